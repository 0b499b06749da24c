"""The Winograd F(4x4, 3x3) matrices of src/winograd_vec.c, derived and checked exactly.

    python3 scripts/winograd_points.py

F(m, r) for a 1-D correlation y_i = sum_k d[i+k] g[k] (m = 4 outputs, r = 3 taps, a
tile of m + r - 1 = 6 inputs) is the transpose of multiplying a degree-3 polynomial by
g(x) = g0 + g1 x + g2 x^2: evaluate both at 5 points and infinity, multiply pointwise,
interpolate. Y = A^T [(G g) * (B^T d)], with
  A^T  column k: powers 0..3 of point k (infinity: the leading coefficient);
  G    row k: c_k (1, p_k, p_k^2) (infinity: c (0, 0, 1));
  B^T  row k: b_k times the coefficients of prod_{j != k} (x - p_j), with
       c_k b_k = 1 / prod_{j != k} (p_k - p_j) (infinity: prod_j (x - p_j), c b = 1).

Flipping the kernel (g reversed, which the input gradient convolves with) turns g(p)
into p^2 g(1/p). At the points 0, 1, -1, 2, 1/2, inf, closed under p -> 1/p, the
flipped kernel's transform is the forward one permuted (0 <-> inf, 2 <-> 1/2) when
c_k p_k^2 = c_(1/p_k): the scales below. Prints the matrices and asserts both
properties on random integer data, in exact rational arithmetic.
"""
from fractions import Fraction as F
import random

POINTS = [F(0), F(1), F(-1), F(2), F(1, 2)]  # and infinity, index 5
FLIP = [5, 1, 2, 4, 3, 0]                       # p -> 1/p as indices
G_SCALE = [F(1), F(-1), F(1, 9), F(4, 9), F(16, 9), F(1)]
M, R = 4, 3
TILE = M + R - 1


def poly_from_roots(roots):
    """Coefficients, lowest first, of prod (x - root)."""
    p = [F(1)]
    for root in roots:
        p = [(p[i - 1] if i else 0) - root * (p[i] if i < len(p) else 0) for i in range(len(p) + 1)]
    return p


def matrices():
    others = [[p for j, p in enumerate(POINTS) if j != k] for k in range(len(POINTS))]
    spread = []
    for k, p in enumerate(POINTS):
        s = F(1)
        for q in others[k]:
            s *= p - q
        spread.append(s)
    G = [[G_SCALE[k] * p ** i for i in range(R)] for k, p in enumerate(POINTS)] + [[F(0), F(0), G_SCALE[5]]]
    BT = [[x / (spread[k] * G_SCALE[k]) for x in poly_from_roots(others[k])] + [F(0)] for k in range(len(POINTS))]
    BT.append([x / G_SCALE[5] for x in poly_from_roots(POINTS)])
    AT = [[p ** i for p in POINTS] + [F(1 if i == M - 1 else 0)] for i in range(M)]
    return G, BT, AT


def check(G, BT, AT, trials=200):
    for k in range(TILE):  # the scales that make flipping a permutation
        p = POINTS[k] if k < 5 else None
        if p not in (None, F(0)):
            assert G_SCALE[k] * p * p == G_SCALE[FLIP[k]], k
    assert G_SCALE[0] == G_SCALE[5]
    rng = random.Random(0)
    for _ in range(trials):
        d = [F(rng.randint(-9, 9)) for _ in range(TILE)]
        g = [F(rng.randint(-9, 9)) for _ in range(R)]
        Gg = [sum(G[k][i] * g[i] for i in range(R)) for k in range(TILE)]
        Bd = [sum(BT[k][i] * d[i] for i in range(TILE)) for k in range(TILE)]
        y = [sum(AT[i][k] * Gg[k] * Bd[k] for k in range(TILE)) for i in range(M)]
        assert y == [sum(d[i + k] * g[k] for k in range(R)) for i in range(M)], 'not a correlation'
        flipped = [sum(G[k][i] * g[R - 1 - i] for i in range(R)) for k in range(TILE)]
        assert flipped == [Gg[FLIP[k]] for k in range(TILE)], 'flipping is not a permutation'


if __name__ == '__main__':
    G, BT, AT = matrices()
    for name, mat in (('G', G), ('B^T', BT), ('A^T', AT)):
        print(name)
        for row in mat:
            print('  ', '  '.join(f'{str(x):>5}' for x in row))
    check(G, BT, AT)
    print('checked: exact correlation, and flipped weights = permuted positions')
