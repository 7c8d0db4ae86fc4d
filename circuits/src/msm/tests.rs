//! The MSM against arkworks' `VariableBaseMSM::msm_bigint`.

use ark_bls12_381::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{BigInt, PrimeField, UniformRand, Zero};
use ark_std::rand::{Rng, SeedableRng, rngs::StdRng};

use super::*;

fn random_g1(rng: &mut StdRng, n: usize) -> Vec<G1Affine> {
    // multiples of one random point: cheap to make, still distinct random-looking bases
    let step = G1Projective::rand(rng);
    let mut point = G1Projective::rand(rng);
    let points: Vec<G1Projective> = (0..n)
        .map(|_| {
            point += step;
            point
        })
        .collect();
    G1Projective::normalize_batch(&points)
}

fn random_g2(rng: &mut StdRng, n: usize) -> Vec<G2Affine> {
    let step = G2Projective::rand(rng);
    let mut point = G2Projective::rand(rng);
    let points: Vec<G2Projective> = (0..n)
        .map(|_| {
            point += step;
            point
        })
        .collect();
    G2Projective::normalize_batch(&points)
}

fn random_scalars(rng: &mut StdRng, n: usize) -> Vec<BigInt<4>> {
    (0..n).map(|_| Fr::rand(rng).into_bigint()).collect()
}

/// Scalars a prover meets besides random ones: 0, 1, small, r − 1, powers of two.
fn edge_scalars(n: usize) -> Vec<BigInt<4>> {
    let edges = [
        Fr::zero(),
        Fr::from(1u8),
        Fr::from(2u8),
        -Fr::from(1u8),
        -Fr::from(2u8),
        Fr::from(u64::MAX),
        Fr::from(1u64 << 63),
    ];
    (0..n)
        .map(|i| edges[i % edges.len()].into_bigint())
        .collect()
}

fn check_g1(points: &[G1Affine], scalars: &[BigInt<4>]) {
    let expected = G1Projective::msm_bigint(points, scalars);
    let got = msm_g1(&bases(points), scalars);
    assert_eq!(
        got.into_affine(),
        expected.into_affine(),
        "{} bases",
        points.len()
    );
}

fn check_g2(points: &[G2Affine], scalars: &[BigInt<4>]) {
    let expected = G2Projective::msm_bigint(points, scalars);
    let got = msm_g2(&bases(points), scalars);
    assert_eq!(
        got.into_affine(),
        expected.into_affine(),
        "{} bases",
        points.len()
    );
}

#[test]
fn g1_random_inputs_of_many_sizes() {
    let mut rng = StdRng::seed_from_u64(1);
    let points = random_g1(&mut rng, 3000);
    let scalars = random_scalars(&mut rng, 3000);
    for size in (0..=40).chain([63, 64, 65, 127, 128, 129, 500, 1000, 3000]) {
        check_g1(&points[..size], &scalars[..size]);
    }
}

#[test]
fn g2_random_inputs_of_many_sizes() {
    let mut rng = StdRng::seed_from_u64(2);
    let points = random_g2(&mut rng, 1500);
    let scalars = random_scalars(&mut rng, 1500);
    for size in (0..=12).chain([33, 100, 1500]) {
        check_g2(&points[..size], &scalars[..size]);
    }
}

#[test]
fn edge_scalars_and_bases() {
    let mut rng = StdRng::seed_from_u64(3);
    let mut points = random_g1(&mut rng, 200);
    // the identity, duplicates (bucket doublings) and negations (buckets cancelling)
    points[0] = G1Affine::identity();
    points[5] = G1Affine::identity();
    for i in (10..200).step_by(3) {
        points[i] = points[i - 1];
    }
    for i in (11..200).step_by(7) {
        points[i] = -points[i - 1];
    }
    let generator = G1Projective::generator().into_affine();
    let scalars = edge_scalars(200);
    check_g1(&points, &scalars);
    check_g1(&points, &random_scalars(&mut rng, 200));
    check_g1(&points, &vec![BigInt::zero(); 200]);
    check_g1(&vec![generator; 300], &random_scalars(&mut rng, 300));
    check_g1(&vec![generator; 300], &edge_scalars(300));
    check_g1(&[G1Affine::identity(); 9], &random_scalars(&mut rng, 9));
    // P and −P with equal scalars: the sum is the identity
    check_g1(
        &[generator, -generator],
        &[BigInt::from(5u8), BigInt::from(5u8)],
    );
    // more scalars than bases, and the reverse, use the shorter length as arkworks does
    check_g1(&points[..50], &scalars[..60]);

    let mut g2_points = random_g2(&mut rng, 60);
    g2_points[0] = G2Affine::identity();
    for i in (5..60).step_by(4) {
        g2_points[i] = g2_points[i - 1];
    }
    for i in (6..60).step_by(9) {
        g2_points[i] = -g2_points[i - 1];
    }
    check_g2(&g2_points, &edge_scalars(60));
    check_g2(
        &vec![G2Projective::generator().into_affine(); 40],
        &edge_scalars(40),
    );
}

#[test]
fn bases_round_trip() {
    let mut rng = StdRng::seed_from_u64(4);
    let points = random_g1(&mut rng, 20);
    for (ours, theirs) in bases::<_, Fq>(&points).iter().zip(&points) {
        let back = to_projective::<g1::Config, Fq>(&Xyzz::from_affine(ours));
        assert_eq!(back.into_affine(), *theirs);
    }
    let scalar: u64 = rng.r#gen();
    let one = bases::<_, Fq>(&points[..1]);
    assert_eq!(
        msm_g1(&one, &[BigInt::from(scalar)]).into_affine(),
        (points[0] * Fr::from(scalar)).into_affine()
    );
}

#[test]
fn parts_add_up_to_the_msm() {
    let mut rng = StdRng::seed_from_u64(5);
    let points = random_g1(&mut rng, 700);
    let scalars = random_scalars(&mut rng, 700);
    let g1 = bases(&points);
    let g2_points = random_g2(&mut rng, 40);
    let g2 = bases(&g2_points);
    for parts in 1..=4 {
        let sum: G1Projective = (0..parts)
            .map(|part| msm_g1_part(&g1, &scalars, part, parts))
            .sum();
        assert_eq!(
            sum,
            G1Projective::msm_bigint(&points, &scalars),
            "{parts} parts"
        );
        let sum: G2Projective = (0..parts)
            .map(|part| msm_g2_part(&g2, &scalars[..40], part, parts))
            .sum();
        assert_eq!(
            sum,
            G2Projective::msm_bigint(&g2_points, &scalars[..40]),
            "{parts} parts"
        );
    }
}
