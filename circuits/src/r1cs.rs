//! The credential circuit's R1CS matrices, built once per process, and assignments checked
//! against them.
//!
//! The matrices depend only on the circuit's shape (its depth is fixed), not on the values a
//! proof assigns, so a prover synthesizes each proof's assignment without recording
//! constraints (`construct_matrices: false`): arkworks' matrix construction (inlining the
//! linear combinations) is then paid once, not in every proof.

use std::sync::OnceLock;

use ark_ff::Zero;
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, ConstraintSystemRef, Matrix, OptimizationGoal,
    R1CS_PREDICATE_LABEL, SynthesisError, SynthesisMode,
};

use crate::circuit::CredentialCircuit;
use crate::{Error, Fr, Result};

/// The R1CS of the credential circuit: `A·z ∘ B·z = C·z` for an assignment
/// `z = (1, instance…, witness…)`.
#[derive(Debug)]
pub(crate) struct Shape {
    /// A, B and C, one row per constraint.
    pub(crate) matrices: Vec<Matrix<Fr>>,
    /// Instance variables, the constant one included.
    pub(crate) num_instance_variables: usize,
    pub(crate) num_witness_variables: usize,
    pub(crate) num_constraints: usize,
}

impl Shape {
    /// The shape, synthesized from the setup circuit on first use.
    pub(crate) fn get() -> Result<&'static Shape> {
        static SHAPE: OnceLock<Shape> = OnceLock::new();
        if let Some(shape) = SHAPE.get() {
            return Ok(shape);
        }
        let shape = Shape::synthesize(CredentialCircuit::for_setup())?;
        Ok(SHAPE.get_or_init(|| shape))
    }

    /// The matrices of `circuit`, as arkworks' Groth16 builds them (constraints optimized).
    fn synthesize(circuit: CredentialCircuit) -> Result<Shape> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        circuit.generate_constraints(cs.clone())?;
        cs.finalize();
        let matrices = cs
            .to_matrices()?
            .remove(R1CS_PREDICATE_LABEL)
            .ok_or(SynthesisError::MissingCS)?;
        Ok(Shape {
            matrices,
            num_instance_variables: cs.num_instance_variables(),
            num_witness_variables: cs.num_witness_variables(),
            num_constraints: cs.num_constraints(),
        })
    }

    /// The full assignment `(1, instance…, witness…)` of `circuit`, synthesized without
    /// constraints, and refused ([`Error::Unsatisfied`]) unless it satisfies the shape.
    pub(crate) fn assign(&self, circuit: CredentialCircuit) -> Result<Vec<Fr>> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Prove {
            construct_matrices: false,
            generate_lc_assignments: false,
        });
        circuit.generate_constraints(cs.clone())?;
        let assignment = full_assignment(&cs)?;
        if cs.num_instance_variables() != self.num_instance_variables
            || cs.num_witness_variables() != self.num_witness_variables
            || !self.is_satisfied(&assignment)
        {
            return Err(Error::Unsatisfied);
        }
        Ok(assignment)
    }

    /// Whether `A·z ∘ B·z = C·z` row by row (`z` has the shape's length).
    fn is_satisfied(&self, z: &[Fr]) -> bool {
        let [a, b, c] = self.matrices.as_slice() else {
            return false;
        };
        let row = |terms: &[(Fr, usize)]| -> Option<Fr> {
            terms
                .iter()
                .try_fold(Fr::zero(), |sum, (coefficient, column)| {
                    Some(sum + *coefficient * z.get(*column)?)
                })
        };
        a.iter().zip(b).zip(c).all(|((a, b), c)| {
            matches!((row(a), row(b), row(c)), (Some(a), Some(b), Some(c)) if a * b == c)
        })
    }
}

fn full_assignment(cs: &ConstraintSystemRef<Fr>) -> Result<Vec<Fr>> {
    let mut assignment = cs.instance_assignment()?;
    assignment.extend(cs.witness_assignment()?);
    Ok(assignment)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuit::Witness;
    use crate::{Identity, MerkleTree, TREE_DEPTH};
    use ark_std::rand::{SeedableRng, rngs::StdRng};

    fn circuit(member: &Identity, others: usize) -> CredentialCircuit {
        let mut rng = StdRng::seed_from_u64(7);
        let mut leaves: Vec<Fr> = (0..others)
            .map(|_| Identity::generate(&mut rng).commitment())
            .collect();
        leaves.push(member.commitment());
        let tree = MerkleTree::from_leaves(TREE_DEPTH, 1, &leaves).expect("tree");
        let witness = Witness {
            secret: member.secret(),
            path: tree.proof(others as u64).expect("path"),
        };
        let public = witness.public_inputs(Fr::from(3u8), Fr::from(4u8));
        CredentialCircuit::new(public, witness).expect("circuit")
    }

    /// The matrices of the setup circuit are those of a circuit with values (as recorded by
    /// a prover that constructs them), so one set serves every proof.
    #[test]
    fn the_setup_shape_is_every_circuits_shape() {
        let shape = Shape::get().expect("shape");
        let member = Identity::generate(&mut StdRng::seed_from_u64(8));
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        circuit(&member, 5)
            .generate_constraints(cs.clone())
            .expect("synthesis");
        cs.finalize();
        assert!(cs.is_satisfied().expect("satisfied"));
        let matrices = cs.to_matrices().expect("matrices")[R1CS_PREDICATE_LABEL].clone();
        assert_eq!(matrices, shape.matrices);
        assert_eq!(cs.num_instance_variables(), shape.num_instance_variables);
        assert_eq!(cs.num_witness_variables(), shape.num_witness_variables);
        assert_eq!(cs.num_constraints(), shape.num_constraints);
        let assignment = shape.assign(circuit(&member, 5)).expect("assignment");
        assert_eq!(assignment, full_assignment(&cs).expect("assignment"));
    }

    /// Each altered variable of a valid assignment breaks some constraint.
    #[test]
    fn altered_assignments_are_refused() {
        let shape = Shape::get().expect("shape");
        let member = Identity::generate(&mut StdRng::seed_from_u64(9));
        let assignment = shape.assign(circuit(&member, 2)).expect("assignment");
        assert!(shape.is_satisfied(&assignment));
        for i in 1..assignment.len() {
            let mut altered = assignment.clone();
            altered[i] += Fr::from(1u8);
            assert!(!shape.is_satisfied(&altered), "variable {i}");
        }
        assert!(!shape.is_satisfied(&assignment[..assignment.len() - 1]));
    }
}
