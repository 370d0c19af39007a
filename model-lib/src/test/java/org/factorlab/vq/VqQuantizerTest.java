package org.factorlab.vq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.factorlab.nn.Scope;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The vector quantiser against brute force and against the formulas of its loss and gradients (double precision). */
class VqQuantizerTest {
    private static final int B = 2, E = 3, R = 4, N_EMBED = 7;
    private static final double BETA = 0.25;

    private record Graph(SameDiff sd, VqNetworks.Quantized q, SDVariable z) {
    }

    /** z [B, E, R, R] as a variable (so it gets a gradient), codebook spread like trained codes rather than U(-1/n, 1/n). */
    private static Graph graph(long seed) {
        SameDiff sd = SameDiff.create();
        SplittableRandom rng = new SplittableRandom(seed);
        double[] zv = new double[B * E * R * R];
        for (int i = 0; i < zv.length; i++) zv[i] = rng.nextGaussian();
        SDVariable z = sd.var("z", Nd4j.create(zv, new long[]{B, E, R, R}, DataType.DOUBLE));
        VqNetworks.Quantized q = VqNetworks.quantize(Scope.root(sd, DataType.DOUBLE, seed).child("quantize"), z, E, N_EMBED, R, BETA);
        INDArray cb = sd.getArrForVarName("quantize/embedding");
        for (long i = 0; i < cb.length(); i++) cb.putScalar(i, rng.nextGaussian());
        return new Graph(sd, q, z);
    }

    /** Row n of the flattened latent: position (b, y, x) with n = (b R + y) R + x. */
    private static double[] position(INDArray z, int n) {
        int b = n / (R * R), y = (n / R) % R, x = n % R;
        double[] v = new double[E];
        for (int e = 0; e < E; e++) v[e] = z.getDouble(b, e, y, x);
        return v;
    }

    private static int bruteForceNearest(double[] v, INDArray codebook) {
        int best = -1;
        double bestD = Double.POSITIVE_INFINITY;
        for (int k = 0; k < codebook.size(0); k++) {
            double d = 0;
            for (int e = 0; e < E; e++) d += (v[e] - codebook.getDouble(k, e)) * (v[e] - codebook.getDouble(k, e));
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        return best;
    }

    @Test
    void nearestCodeEqualsBruteForceAndQuantizedIsThatCode() {
        for (long seed = 1; seed <= 3; seed++) {
            Graph g = graph(seed);
            Map<String, INDArray> out = g.sd().output(Map.of(), g.q().indices().name(), g.q().quantized().name(), g.q().oneHot().name());
            INDArray z = g.sd().getArrForVarName("z"), cb = g.sd().getArrForVarName("quantize/embedding");
            long[] idx = out.get(g.q().indices().name()).toLongVector();
            assertEquals(B * R * R, idx.length);
            for (int n = 0; n < idx.length; n++) {
                int want = bruteForceNearest(position(z, n), cb);
                assertEquals(want, idx[n], "position " + n);
                int b = n / (R * R), y = (n / R) % R, x = n % R;
                for (int e = 0; e < E; e++)
                    assertEquals(cb.getDouble(want, e), out.get(g.q().quantized().name()).getDouble(b, e, y, x), 1e-12);
                assertEquals(1.0, out.get(g.q().oneHot().name()).getRow(n).sumNumber().doubleValue(), 0);
            }
        }
    }

    @Test
    void straightThroughPassesTheDecodersGradientToZUnchanged() {
        Graph g = graph(5);
        SameDiff sd = g.sd();
        INDArray upstream = Nd4j.rand(DataType.DOUBLE, B, E, R, R).subi(0.5);
        SDVariable loss = g.q().straightThrough().mul(sd.constant("upstream", upstream)).sum().rename("loss");
        sd.setLossVariables(loss.name());
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), List.of("z", "quantize/embedding"));
        assertArrayEquals(upstream.data().asDouble(), grads.get("z").data().asDouble(), 0);
        assertEquals(0.0, grads.get("quantize/embedding").amaxNumber().doubleValue(), 0, "the decoder's gradient must not reach the codebook");
        // and the value is z_q, not z
        Map<String, INDArray> out = sd.output(Map.of(), g.q().straightThrough().name(), g.q().quantized().name());
        assertArrayEquals(out.get(g.q().quantized().name()).data().asDouble(), out.get(g.q().straightThrough().name()).data().asDouble(), 1e-12);
    }

    @Test
    void codebookAndCommitmentTermsMatchTheirFormulas() {
        Graph g = graph(7);
        SameDiff sd = g.sd();
        sd.setLossVariables(g.q().codebookLoss().name());
        Map<String, INDArray> out = sd.output(Map.of(), g.q().codebookLoss().name(), g.q().indices().name(), g.q().perplexity().name(),
                g.q().deadCodes().name());
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), List.of("z", "quantize/embedding"));
        INDArray z = sd.getArrForVarName("z"), cb = sd.getArrForVarName("quantize/embedding");
        long[] idx = out.get(g.q().indices().name()).toLongVector();
        int m = B * E * R * R;
        double sq = 0;
        double[][] wantCodeGrad = new double[N_EMBED][E];
        int[] counts = new int[N_EMBED];
        for (int n = 0; n < idx.length; n++) {
            double[] v = position(z, n);
            int k = (int) idx[n];
            counts[k]++;
            int b = n / (R * R), y = (n / R) % R, x = n % R;
            for (int e = 0; e < E; e++) {
                double d = cb.getDouble(k, e) - v[e];
                sq += d * d;
                // commitment (weight 1): d/dz mean((sg z_q - z)^2) = 2 (z - z_q) / M
                assertEquals(-2 * d / m, grads.get("z").getDouble(b, e, y, x), 1e-12);
                // codebook (weight beta): d/de_k beta mean((z_q - sg z)^2) = 2 beta sum_{n -> k} (e_k - z_n) / M
                wantCodeGrad[k][e] += 2 * BETA * d / m;
            }
        }
        assertEquals((1 + BETA) * sq / m, out.get(g.q().codebookLoss().name()).getDouble(0), 1e-12);
        for (int k = 0; k < N_EMBED; k++)
            for (int e = 0; e < E; e++) assertEquals(wantCodeGrad[k][e], grads.get("quantize/embedding").getDouble(k, e), 1e-12);
        double entropy = 0;
        int dead = 0;
        for (int c : counts) {
            double p = (double) c / idx.length;
            if (c == 0) dead++;
            else entropy -= p * Math.log(p);
        }
        assertEquals(Math.exp(entropy), out.get(g.q().perplexity().name()).getDouble(0), 1e-6);
        assertEquals(dead, out.get(g.q().deadCodes().name()).getDouble(0), 0);
        assertTrue(dead < N_EMBED);
    }

    @Test
    void codebookStartsUniformInPlusMinusOneOverN() {
        SameDiff sd = SameDiff.create();
        SDVariable z = sd.var("z", Nd4j.zeros(DataType.DOUBLE, 1, E, R, R));
        VqNetworks.quantize(Scope.root(sd, DataType.DOUBLE, 3).child("quantize"), z, E, 512, R, BETA);
        INDArray cb = sd.getArrForVarName("quantize/embedding");
        assertTrue(cb.amaxNumber().doubleValue() <= 1.0 / 512);
        assertTrue(cb.amaxNumber().doubleValue() > 0.9 / 512, "spread over the whole interval");
    }
}
