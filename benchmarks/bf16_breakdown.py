"""Where the MNIST DCGAN step's time goes under float32 and mixed_bfloat16, by component.

    python benchmarks/bf16_breakdown.py

Times (median of 15, after warm-up) the generator's forward pass, its forward and backward
pass, one discriminator forward and backward pass and the two Adam updates, each as its own
tf.function at batch 64, under both policies, and sums them into an estimated train step
(D update: G forward + D forward/backward on the real and the fake batch; G update: G
forward/backward + D forward/backward; both optimizers). It explains the end-to-end bf16/fp32
ratio of benchmarks/throughput.py: which parts AMX speeds up and which it does not.
"""
import time, statistics, numpy as np, tensorflow as tf, keras
from tfgan import networks
B, L = 64, 100
def timeit(fn, n=15):
    fn(); fn()
    ts = []
    for _ in range(n):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1000
res = {}
for policy in ["float32", "mixed_bfloat16"]:
    keras.config.set_dtype_policy(policy)
    keras.utils.set_random_seed(0)
    g = networks.build_generator("dcgan", (28, 28, 1), L)
    d = networks.build_discriminator("dcgan", (28, 28, 1))
    keras.config.set_dtype_policy("float32")
    z = tf.random.normal([B, L]); x = tf.random.uniform([B, 28, 28, 1], -1, 1)
    opt_g = keras.optimizers.Adam(2e-4, 0.5); opt_g.build(g.trainable_variables)
    opt_d = keras.optimizers.Adam(2e-4, 0.5); opt_d.build(d.trainable_variables)
    @tf.function
    def g_fwd(): return g(z, training=True)
    @tf.function
    def g_fwd_bwd():
        with tf.GradientTape() as t: y = tf.reduce_mean(g(z, training=True))
        return t.gradient(y, g.trainable_variables)
    @tf.function
    def d_fwd_bwd():
        with tf.GradientTape() as t: y = tf.reduce_mean(d(x, training=True))
        return t.gradient(y, d.trainable_variables)
    gg = g_fwd_bwd(); dg = d_fwd_bwd()
    @tf.function
    def apply_both():
        opt_g.apply(gg, g.trainable_variables); opt_d.apply(dg, d.trainable_variables)
    res[policy] = {"G forward": timeit(g_fwd), "G forward+backward": timeit(g_fwd_bwd),
                   "D forward+backward (one batch)": timeit(d_fwd_bwd), "Adam updates (G and D)": timeit(apply_both)}
print("| component (batch 64, MNIST DCGAN) | float32 ms | mixed_bfloat16 ms | speed-up |")
print("| --- | --- | --- | --- |")
for k in res["float32"]:
    a, b = res["float32"][k], res["mixed_bfloat16"][k]
    print(f"| {k} | {a:.1f} | {b:.1f} | {a/b:.2f}x |")
# the step = D update (G fwd + D fwd/bwd on real and fake) + G update (G fwd/bwd + D fwd/bwd) + Adam
for p in res:
    r = res[p]
    total = r["G forward"] + 2 * r["D forward+backward (one batch)"] + r["G forward+backward"] + r["D forward+backward (one batch)"] + r["Adam updates (G and D)"]
    print(p, "estimated step ms", round(total, 1))
