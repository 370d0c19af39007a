package org.factorlab.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.factorlab.nn.CompiledGraph;
import org.factorlab.nn.GradientCheck;
import org.factorlab.nn.Scope;
import org.factorlab.vae.VaeNetworks.Gaussian;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Shapes, the transposed convolution against its definition, and finite-difference gradients of the VAE graphs. */
class VaeNetworksTest {
    static final DataType D = DataType.DOUBLE;
    static final int LATENTS = 3;

    static long parameterCount(SameDiff sd, String prefix) {
        long n = 0;
        for (String v : GradientCheck.trainable(sd)) if (v.startsWith(prefix)) n += sd.getArrForVarName(v).length();
        return n;
    }

    static INDArray uniform(long seed, double lo, double hi, long... shape) {
        SplittableRandom rng = new SplittableRandom(seed);
        INDArray a = Nd4j.create(D, shape);
        for (long i = 0; i < a.length(); i++) a.putScalar(i, lo + (hi - lo) * rng.nextDouble());
        return a;
    }

    @Test
    void encoderAndDecoderShapesAt64And32() {
        for (int size : new int[]{64, 32}) {
            SameDiff sd = SameDiff.create();
            Scope s = Scope.root(sd, DataType.FLOAT, 1);
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 3, size, size);
            Gaussian q = VaeNetworks.encoder(s.child(VaeNetworks.ENCODER), x, 3, size, 10);
            SDVariable logits = VaeNetworks.decoder(s.child(VaeNetworks.DECODER), q.mean(), 10, 3, size);
            assertEquals("encoder/mean", q.mean().name());
            assertEquals("encoder/log_var", q.logVar().name());
            assertEquals("decoder/logits", logits.name());
            Map<String, INDArray> out = sd.output(Map.of("x", Nd4j.rand(DataType.FLOAT, 5, 3, size, size)),
                    q.mean().name(), q.logVar().name(), logits.name());
            assertArrayEquals(new long[]{5, 10}, out.get(q.mean().name()).shape());
            assertArrayEquals(new long[]{5, 10}, out.get(q.logVar().name()).shape());
            assertArrayEquals(new long[]{5, 3, size, size}, out.get(logits.name()).shape());
            // disentanglement_lib's layer sizes; at 32 the last k2 conv and the second 32-channel deconv are left out
            long convs = (16 * 3 * 32 + 32) + (16 * 32 * 32 + 32) + (4 * 32 * 64 + 64) + (size == 64 ? 4 * 64 * 64 + 64 : 0);
            long dense = (1024 * 256 + 256) + 2 * (256 * 10 + 10);
            assertEquals(convs + dense, parameterCount(sd, "encoder/"));
            long deconvs = (16 * 64 * 64 + 64) + (16 * 64 * 32 + 32) + (size == 64 ? 16 * 32 * 32 + 32 : 0) + (16 * 32 * 3 + 3);
            assertEquals((10 * 256 + 256) + (256 * 1024 + 1024) + deconvs, parameterCount(sd, "decoder/"));
        }
    }

    @Test
    void otherImageSizesAreAClearError() {
        SameDiff sd = SameDiff.create();
        Scope s = Scope.root(sd, DataType.FLOAT, 1);
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 3, 48, 48);
        var e = assertThrows(IllegalArgumentException.class, () -> VaeNetworks.encoder(s, x, 3, 48, 10));
        assertTrue(e.getMessage().contains("model.imageSize") && e.getMessage().contains("48"), e.getMessage());
        var d = assertThrows(IllegalArgumentException.class, () -> VaeNetworks.decoder(s, x, 10, 3, 128));
        assertTrue(d.getMessage().contains("model.imageSize") && d.getMessage().contains("128"), d.getMessage());
    }

    @Test
    void transposedConvMatchesItsDefinition() {
        // out[b, o, y*2 - 1 + ky, x*2 - 1 + kx] += in[b, i, y, x] * W[ky, kx, o, i] (PyTorch ConvTranspose2d(k4, s2, p1)).
        int cin = 3, cout = 2, side = 3;
        SameDiff sd = SameDiff.create();
        Scope s = Scope.root(sd, D, 4);
        INDArray in = uniform(6, -1, 1, 2, cin, side, side);
        INDArray got = VaeNetworks.deconv2dDoubling(s, sd.constant(in), cin, cout).eval();
        assertArrayEquals(new long[]{2, cout, 2 * side, 2 * side}, got.shape());
        INDArray w = sd.getArrForVarName("weight"), bias = sd.getArrForVarName("bias");
        assertArrayEquals(new long[]{4, 4, cout, cin}, w.shape());
        double[][][][] want = new double[2][cout][2 * side][2 * side];
        for (int b = 0; b < 2; b++)
            for (int o = 0; o < cout; o++) {
                for (double[] row : want[b][o]) java.util.Arrays.fill(row, bias.getDouble(o));
                for (int i = 0; i < cin; i++)
                    for (int y = 0; y < side; y++)
                        for (int x = 0; x < side; x++)
                            for (int ky = 0; ky < 4; ky++)
                                for (int kx = 0; kx < 4; kx++) {
                                    int oy = y * 2 - 1 + ky, ox = x * 2 - 1 + kx;
                                    if (oy < 0 || ox < 0 || oy >= 2 * side || ox >= 2 * side) continue;
                                    want[b][o][oy][ox] += in.getDouble(b, i, y, x) * w.getDouble(ky, kx, o, i);
                                }
            }
        assertTrue(Nd4j.createFromArray(want).equalsWithEps(got, 1e-12), "deconv2d differs from the transposed-conv definition");
    }

    @Test
    void transposedConvGradient() {
        SameDiff sd = SameDiff.create();
        Scope s = Scope.root(sd, D, 4);
        SDVariable in = s.uniform("input", 1.0, 2, 3, 3, 3);
        SDVariable out = VaeNetworks.deconv2dDoubling(s.child("deconv"), in, 3, 2);
        out.mul(sd.constant(uniform(2, -1, 1, 2, 2, 6, 6))).sum().rename("loss");
        var r = GradientCheck.check(sd, "loss", Map.of(), GradientCheck.trainable(sd), 8, 1e-6, 1e-6, 1e-10, 1);
        assertTrue(r.passed(), r.toString());
    }

    @Test
    void discriminatorShapeAndSize() {
        SameDiff sd = SameDiff.create();
        Scope s = Scope.root(sd, DataType.FLOAT, 1);
        SDVariable z = sd.placeHolder("z", DataType.FLOAT, -1, 10);
        SDVariable logits = VaeNetworks.discriminator(s.child(VaeNetworks.DISCRIMINATOR), z, 10);
        INDArray out = sd.output(Map.of("z", Nd4j.rand(DataType.FLOAT, 7, 10)), logits.name()).get(logits.name());
        assertArrayEquals(new long[]{7, 2}, out.shape());
        long h = VaeNetworks.DISCRIMINATOR_WIDTH;
        assertEquals((10 * h + h) + 5 * (h * h + h) + (2 * h + 2), parameterCount(sd, "discriminator/"));
    }

    /** Placeholders of the tiny VAE graphs: one-channel 32x32 images in [0, 1] and the noise. */
    static Map<String, INDArray> feed(int batch) {
        Map<String, INDArray> f = new HashMap<>();
        f.put("x", uniform(1, 0, 1, batch, 1, 32, 32));
        f.put("eps", uniform(2, -1.5, 1.5, batch, LATENTS));
        return f;
    }

    /** {@link #feed} and FactorVAE's permutation. */
    static Map<String, INDArray> factorFeed(int batch) {
        Map<String, INDArray> f = feed(batch);
        f.put("perm", Nd4j.createFromArray(VaeLosses.permuteDimsIndex(batch, LATENTS, new SplittableRandom(4))));
        return f;
    }

    /** Terms of a tiny beta-VAE / FactorVAE graph at 32x32 with one channel. */
    record Vae(SameDiff sd, SDVariable z, Gaussian q, SDVariable recon, SDVariable kl) {
    }

    static Vae vae(SameDiff sd) {
        Scope s = Scope.root(sd, D, 3);
        SDVariable x = sd.placeHolder("x", D, -1, 1, 32, 32);
        SDVariable eps = sd.placeHolder("eps", D, -1, LATENTS);
        Gaussian q = VaeNetworks.encoder(s.child(VaeNetworks.ENCODER), x, 1, 32, LATENTS);
        SDVariable z = VaeLosses.sample(q.mean(), q.logVar(), eps);
        SDVariable logits = VaeNetworks.decoder(s.child(VaeNetworks.DECODER), z, LATENTS, 1, 32);
        return new Vae(sd, z, q, VaeLosses.bernoulliReconstruction(logits, x).mean(), VaeLosses.klStandardNormal(q.mean(), q.logVar()).mean());
    }

    /**
     * Conv nets with fan-ins up to 1024: small random weights keep activations O(0.1) in every layer. Their losses
     * sum 1024 pixels (~700), whose double rounding (~1e-12) swamps a 1e-6 central difference: those checks use 1e-5.
     */
    static final double RANDOM_SCALE = 0.1;

    @Test
    void bernoulliReconstructionPlusKlGradient() {
        SameDiff sd = SameDiff.create();
        Vae v = vae(sd);
        v.recon().add(v.kl().mul(4.0)).rename("loss");
        GradientCheck.randomize(sd, RANDOM_SCALE, 5);
        var r = GradientCheck.check(sd, "loss", feed(2), GradientCheck.trainable(sd), 3, 1e-5, 1e-4, 1e-7, 1);
        assertTrue(r.passed(), r.toString());
    }

    @Test
    void betaTcVaeTermGradient() {
        SameDiff sd = SameDiff.create();
        Vae v = vae(sd);
        VaeLosses.totalCorrelation(v.z(), v.q().mean(), v.q().logVar()).mul(5.0).add(v.kl()).rename("loss");
        GradientCheck.randomize(sd, RANDOM_SCALE, 6);
        List<String> encoder = GradientCheck.trainable(sd).stream().filter(n -> n.startsWith("encoder/")).toList();
        var r = GradientCheck.check(sd, "loss", feed(4), encoder, 3, 1e-5, 1e-4, 1e-8, 2);
        assertTrue(r.passed(), r.toString());
    }

    @Test
    void ivaeKlWithConditionalPriorGradient() {
        for (boolean learnMean : new boolean[]{true, false}) {
            SameDiff sd = SameDiff.create();
            Scope s = Scope.root(sd, D, 8);
            SDVariable u = sd.placeHolder("u", D, -1, 2);
            SDVariable meanQ = s.uniform("q_mean", 1.0, 4, LATENTS), logVarQ = s.uniform("q_log_var", 1.0, 4, LATENTS);
            Gaussian p = VaeNetworks.conditionalPrior(s.child(VaeNetworks.PRIOR), u, 2, LATENTS, 5, learnMean);
            assertEquals("prior/mean", p.mean().name());
            VaeLosses.klDiagonalGaussians(meanQ, logVarQ, p.mean(), p.logVar()).mean().rename("loss");
            GradientCheck.randomize(sd, 0.8, 9);
            List<String> vars = GradientCheck.trainable(sd);
            assertEquals(learnMean ? 2 + 2 * 6 : 2 + 6, vars.size(), vars.toString());
            var r = GradientCheck.check(sd, "loss", Map.of("u", uniform(3, -1, 1, 4, 2)), vars, 6, 1e-6, 1e-5, 1e-10, 3);
            assertTrue(r.passed(), "learnMean " + learnMean + ": " + r);
        }
    }

    static final double GAMMA = 6.4;
    static final int DISC_HIDDEN = 6;

    /**
     * The FactorVAE graph: {@code vae_loss = recon + kl + gamma * tc} (D stopped), {@code disc_loss} (z stopped) and
     * {@code objective = vae_loss + disc_loss}; built identically (same seeds) each time, so graphs can be compared.
     */
    static SameDiff factorVae(String loss) {
        SameDiff sd = SameDiff.create();
        Vae v = vae(sd);
        Scope s = Scope.root(sd, D, 3);
        SDVariable perm = sd.placeHolder("perm", DataType.INT64, -1);
        var disc = VaeNetworks.discriminatorParams(s.child(VaeNetworks.DISCRIMINATOR), LATENTS, DISC_HIDDEN);
        var terms = VaeLosses.factorVaeTerms(disc, v.z(), perm);
        SDVariable vaeLoss = v.recon().add(v.kl()).add(terms.tc().mul(GAMMA)).rename("vae_loss");
        SDVariable objective = vaeLoss.add(terms.discriminatorLoss()).rename("objective");
        GradientCheck.randomize(sd, RANDOM_SCALE, 7);
        // a larger D so that its logits, and the TC term, are far from 0
        for (String n : GradientCheck.trainable(sd))
            if (n.startsWith("discriminator/")) sd.getArrForVarName(n).muli(8);
        sd.setLossVariables(loss);
        return sd;
    }

    static List<String> group(SameDiff sd, String prefix) {
        return GradientCheck.trainable(sd).stream().filter(n -> n.startsWith(prefix)).toList();
    }

    @Test
    void factorVaeObjectiveGradientsPerGroup() {
        // Each group's part of the combined objective is its own loss: the VAE loss for encoder and decoder (every
        // variable, TC through the stopped D included), the discriminator loss for D. A 1e-6 step here: with D's
        // large weights a 1e-5 step in the first conv moves D's leaky-ReLU inputs across their kink.
        SameDiff vaeGraph = factorVae("vae_loss");
        List<String> theta = new ArrayList<>(group(vaeGraph, "encoder/"));
        theta.addAll(group(vaeGraph, "decoder/"));
        var r = GradientCheck.check(vaeGraph, "vae_loss", factorFeed(3), theta, 2, 1e-6, 1e-4, 1e-7, 1);
        assertTrue(r.passed(), "VAE loss: " + r);
        SameDiff discGraph = factorVae(VaeLosses.DISCRIMINATOR_LOSS);
        var d = GradientCheck.check(discGraph, VaeLosses.DISCRIMINATOR_LOSS, factorFeed(3), group(discGraph, "discriminator/"), 4,
                1e-6, 1e-5, 1e-10, 2);
        assertTrue(d.passed(), "discriminator loss: " + d);
        assertEquals(14, group(discGraph, "discriminator/").size());
    }

    @Test
    void factorVaeStopGradientsRouteOneBackwardPass() {
        Map<String, INDArray> feed = factorFeed(3);
        SameDiff obj = factorVae("objective");
        List<String> all = GradientCheck.trainable(obj);
        List<String> disc = group(obj, "discriminator/");
        List<String> theta = all.stream().filter(n -> !disc.contains(n)).toList();
        Map<String, INDArray> gObj = obj.calculateGradients(feed, all);

        Map<String, INDArray> gVae = factorVae("vae_loss").calculateGradients(feed, theta);
        Map<String, INDArray> gDisc = factorVae(VaeLosses.DISCRIMINATOR_LOSS).calculateGradients(feed, disc);
        for (String n : theta) {
            assertTrue(gObj.get(n).equalsWithEps(gVae.get(n), 1e-10), n + ": objective and VAE-loss gradients differ");
            assertTrue(gObj.get(n).norm2Number().doubleValue() > 0, n + " gets no gradient");
        }
        for (String n : disc) {
            assertTrue(gObj.get(n).equalsWithEps(gDisc.get(n), 1e-10), n + ": objective and discriminator-loss gradients differ");
            assertTrue(gObj.get(n).norm2Number().doubleValue() > 0, n + " gets no gradient");
        }

        // The routing is not a no-op: the objective's value does depend on D through the TC term, so its total
        // derivative (finite difference) for a D weight is the D-loss gradient plus gamma * d(tc)/d(phi).
        String w = "discriminator/fc6/weight";
        INDArray arr = obj.getArrForVarName(w);
        double orig = arr.getDouble(0), e = 1e-6;
        arr.putScalar(0, orig + e);
        Map<String, INDArray> plus = obj.output(feed, "objective", VaeLosses.DISCRIMINATOR_LOSS);
        arr.putScalar(0, orig - e);
        Map<String, INDArray> minus = obj.output(feed, "objective", VaeLosses.DISCRIMINATOR_LOSS);
        arr.putScalar(0, orig);
        double total = (plus.get("objective").getDouble(0) - minus.get("objective").getDouble(0)) / (2 * e);
        double discOnly = (plus.get(VaeLosses.DISCRIMINATOR_LOSS).getDouble(0) - minus.get(VaeLosses.DISCRIMINATOR_LOSS).getDouble(0)) / (2 * e);
        assertEquals(discOnly, gObj.get(w).getDouble(0), 1e-6);
        assertTrue(Math.abs(total - discOnly) > 1e-3, "the VAE loss does not depend on D: " + total + " vs " + discOnly);

        // The platform's executor runs the same backward ops (stop_gradient and its zerosLike included).
        Map<String, INDArray> compiled = CompiledGraph.gradients(obj, List.of("objective"), all).run(feed);
        for (String n : all) assertTrue(compiled.get(n).equalsWithEps(gObj.get(n), 1e-12), n + ": CompiledGraph differs");
    }
}
