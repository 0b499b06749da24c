from fractions import Fraction as F
import itertools, random
pts = [F(0), F(1), F(-1), F(2), F(1,2)]  # finite points; index 5 = infinity
m, r = 4, 3
a = m + r - 1
def polymul(p, q):
    out = [F(0)]*(len(p)+len(q)-1)
    for i,x in enumerate(p):
        for j,y in enumerate(q): out[i+j] += x*y
    return out
def poly_from_roots(rs):
    p = [F(1)]
    for x in rs: p = polymul(p, [-x, F(1)])  # coefficients low->high
    return p
N = [ (lambda k: __import__('functools').reduce(lambda acc, j: acc*(pts[k]-pts[j]), [j for j in range(5) if j!=k], F(1)))(k) for k in range(5)]
print('N', N)
# scales c_k on G rows, b_k on B^T rows with c_k*b_k = 1/N_k (finite), c_inf*b_inf = 1
c = {0: F(1), 1: F(-1), 2: F(1,9), 3: F(4,9), 4: F(16,9), 5: F(1)}
# check flip constraints: c_k p_k^2 = c_sigma(k); sigma: 0<->5, 3<->4, 1,2 fixed
assert c[3]*4 == c[4] and c[4]*F(1,4) == c[3] and c[0] == c[5]
b = {k: 1/(N[k]*c[k]) for k in range(5)}; b[5] = 1/c[5]
G = [[c[k]*pts[k]**i for i in range(3)] for k in range(5)] + [[F(0),F(0),c[5]]]
BT = []
for k in range(5):
    coeffs = poly_from_roots([pts[j] for j in range(5) if j != k])  # degree 4, 5 coeffs
    BT.append([b[k]*x for x in coeffs] + [F(0)])
coeffs = poly_from_roots(pts)  # degree 5
BT.append([b[5]*x for x in coeffs])
AT = [[pts[k]**i for k in range(5)] + [F(1) if i == m-1 else F(0)] for i in range(m)]
def show(name, M):
    print(name)
    for row in M: print('  ', [str(x) for x in row])
show('G', G); show('BT', BT); show('AT', AT)
# verify 1-D correlation: y_i = sum_k d[i+k] g[k]
for trial in range(5):
    d = [F(random.randint(-9,9)) for _ in range(a)]; g = [F(random.randint(-9,9)) for _ in range(r)]
    Gg = [sum(G[k][i]*g[i] for i in range(r)) for k in range(a)]
    Bd = [sum(BT[k][i]*d[i] for i in range(a)) for k in range(a)]
    y = [sum(AT[i][k]*Gg[k]*Bd[k] for k in range(a)) for i in range(m)]
    ref = [sum(d[i+k]*g[k] for k in range(r)) for i in range(m)]
    assert y == ref, (y, ref)
    # flip: G rev(g) == permuted G g
    gr = g[::-1]; Ggr = [sum(G[k][i]*gr[i] for i in range(r)) for k in range(a)]
    sigma = [5,1,2,4,3,0]
    assert Ggr == [Gg[sigma[k]] for k in range(a)], (Ggr, Gg)
print('ok')
