package org.factorlab.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The image encoder shared by DisCo, DisDiff and EncDiff ("Encoder4"), as a SameDiff graph factory.
 *
 * <p>BatchNorm is explicit about train/eval: in {@link Mode#TRAIN} each BN layer normalises with the batch's mean and
 * biased variance and exposes them as outputs {@code <layer>/batch_mean} and {@code <layer>/batch_var}; the session
 * folds them into running statistics (PyTorch's rule, unbiased variance, momentum {@code bnMomentum}). In
 * {@link Mode#EVAL} each BN layer reads variables {@code <layer>/running_mean} and {@code <layer>/running_var}.
 * The running statistics are therefore part of the model state but never get gradients.
 */
public final class Encoder4 {
    public static final double BN_EPS = 1e-5;
    public static final String BATCH_MEAN = "batch_mean";
    public static final String BATCH_VAR = "batch_var";
    public static final String RUNNING_MEAN = "running_mean";
    public static final String RUNNING_VAR = "running_var";

    public enum Mode { TRAIN, EVAL }

    /** The code {@code [B, outDim]} and the full scope names of the BatchNorm layers (empty for GROUP). */
    public record Output(SDVariable code, List<String> batchNormLayers) {
    }

    private Encoder4() {
    }

    public static Output build(Scope s, EncoderConfig c, SDVariable image, Mode mode) {
        List<String> bn = new ArrayList<>();
        int ch = c.channels();
        int res = c.resolution();
        SDVariable h = image;
        int cin = c.inChannels();
        for (int i = 0; i < c.downsamples(); i++) {
            h = Layers.conv2d(s.child("conv", i), h, cin, ch, 4, 2, 1, false);
            res /= 2;
            h = norm(s.child("norm", i), c, h, ch, res, mode, bn);
            if (i != 2) h = relu(h);
            cin = ch;
        }
        for (int r = 0; r < c.resBlocks(); r++) {
            Scope b = s.child("res", r);
            SDVariable y = Layers.conv2d(b.child("conv0"), relu(h), ch, ch, 3, 1, 1, false);
            y = norm(b.child("norm"), c, y, ch, res, mode, bn);
            y = Layers.conv2d(b.child("conv1"), relu(y), ch, ch, 1, 1, 0, false);
            h = h.add(y);
        }
        h = relu(norm(s.child("norm_out"), c, h, ch, res, mode, bn));
        SDVariable flat = h.reshape(-1, c.flattenDim());
        return new Output(Layers.linear(s.child("fc"), flat, c.flattenDim(), c.outDim(), true, false), List.copyOf(bn));
    }

    /**
     * Folds one training step's batch statistics into the running ones, PyTorch's rule: running = (1 - m) running
     * + m batch, with the unbiased batch variance. {@code outputs} holds each layer's {@link #BATCH_MEAN} and
     * {@link #BATCH_VAR}; {@code running} gives the live running arrays by full name.
     */
    public static void foldBatchStatistics(EncoderConfig c, List<String> layers, Map<String, INDArray> outputs, long batch,
                                           Function<String, INDArray> running) {
        double m = c.bnMomentum();
        for (String layer : layers) {
            INDArray mean = outputs.get(layer + "/" + BATCH_MEAN);
            INDArray var = outputs.get(layer + "/" + BATCH_VAR);
            long perChannel = batch * spatialSize(c, layer);
            double unbias = perChannel > 1 ? perChannel / (perChannel - 1.0) : 1.0;
            INDArray rm = running.apply(layer + "/" + RUNNING_MEAN);
            INDArray rv = running.apply(layer + "/" + RUNNING_VAR);
            rm.muli(1 - m).addi(mean.reshape(rm.shape()).mul(m));
            rv.muli(1 - m).addi(var.reshape(rv.shape()).mul(m * unbias));
        }
    }

    /** H*W at a BatchNorm layer: every norm sits at the final resolution except conv i's (after i+1 halvings). */
    static long spatialSize(EncoderConfig c, String layer) {
        String local = layer.substring(layer.lastIndexOf('/') + 1);
        long r = c.finalResolution();
        if (local.startsWith("norm") && !local.equals("norm_out") && !layer.contains("/res")) {
            int i = Integer.parseInt(local.substring(4));
            r = c.resolution() >> (i + 1);
        }
        return r * r;
    }

    private static SDVariable relu(SDVariable x) {
        return x.getSameDiff().nn().relu(x, 0.0);
    }

    private static SDVariable norm(Scope s, EncoderConfig c, SDVariable x, int ch, int res, Mode mode, List<String> bn) {
        if (c.norm() == EncoderNorm.GROUP)
            return Layers.groupNorm(s, x, ch, res, res, Layers.groupsFor(ch, 32), Layers.GROUP_NORM_EPS);
        bn.add(s.name("").replaceAll("/$", ""));
        SameDiff sd = s.sd();
        SDVariable gamma = s.ones("weight", ch).reshape(1, ch, 1, 1);
        SDVariable beta = s.zeros("bias", ch).reshape(1, ch, 1, 1);
        SDVariable mean, var;
        if (mode == Mode.TRAIN) {
            mean = x.mean(s.name(BATCH_MEAN), true, 0, 2, 3);
            SDVariable centred = x.sub(mean);
            var = centred.mul(centred).mean(s.name(BATCH_VAR), true, 0, 2, 3);
            return centred.mul(sd.math().rsqrt(var.add(BN_EPS))).mul(gamma).add(beta);
        }
        mean = s.zeros(RUNNING_MEAN, ch).reshape(1, ch, 1, 1);
        var = s.ones(RUNNING_VAR, ch).reshape(1, ch, 1, 1);
        return x.sub(mean).mul(sd.math().rsqrt(var.add(BN_EPS))).mul(gamma).add(beta);
    }
}
