package org.factorlab.vq;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.factorlab.data.Batch;
import org.factorlab.nn.CompiledGraph;
import org.factorlab.train.GraphSession;
import org.factorlab.train.ParameterGroup;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The vqae training step ({@link GraphSession}: one backward pass, one Adam per group: "autoencoder" and
 * "discriminator").
 *
 * <p><b>Adaptive weight, exactly as taming computes it.</b> taming sets the generator term's weight from the
 * gradients of this step's nll and g with respect to the decoder's last conv weight. One backward pass cannot give
 * two separate gradients and also use their ratio, so while the discriminator is active a step first runs a
 * partial pass of the same graph ({@link #adaptiveWeight}): the forward pass, then the backward only as far as the
 * two loss gradients at the decoder's output ({@link VqGraph#RECON_NLL}, {@link VqGraph#RECON_G}, with the
 * generator weight fed as 1), from which {@link VqLosses#conv3x3WeightGradientNorm} gives the two weight-gradient
 * norms in Java. The weight then enters the full step as the {@link VqGraph#G_WEIGHT} placeholder. Cost: one extra
 * forward pass (and the discriminator's backward) per step from {@code loss.discriminator.start} on.
 *
 * <p><b>Scale factor.</b> The state carries {@value #SCALE_FACTOR}: 1 / std (unbiased, over every entry) of the
 * pre-quantisation latents of the step's batch, recomputed each step; a checkpoint therefore holds the value of the
 * encoder it saves, on one batch, which is what LDM's {@code scale_by_std} computes on the first batch of the
 * diffusion training with the trained first stage.
 */
public final class VqSession extends GraphSession {
    /** Running-state name of LDM's scale_factor. */
    public static final String SCALE_FACTOR = "scale_factor";

    private final VqConfig config;
    private final DataType dtype;
    private CompiledGraph probe;
    private double lastAdaptiveWeight = Double.NaN;

    public VqSession(VqConfig config, long seed) {
        this(config, seed, DataType.FLOAT);
    }

    public VqSession(VqConfig config, long seed, DataType dtype) {
        this(config, seed, dtype, VqGraph.training(config, dtype, seed));
    }

    private VqSession(VqConfig config, long seed, DataType dtype, VqGraph.Built built) {
        super(VqFamily.NAME, spec(config, built), seed);
        this.config = config;
        this.dtype = dtype;
        addRunningState(SCALE_FACTOR, Nd4j.ones(dtype, 1));
    }

    private static Spec spec(VqConfig config, VqGraph.Built built) {
        List<ParameterGroup> groups = new ArrayList<>();
        for (var e : built.groups().entrySet()) groups.add(new ParameterGroup(e.getKey(), e.getValue(), config.optimizer()));
        return new Spec(built.sd(), built.objective(), built.losses(), groups, List.of(VqGraph.LATENT));
    }

    public VqConfig config() {
        return config;
    }

    /** The scale factor now in the state. */
    public double scaleFactor() {
        return runningState(SCALE_FACTOR).getDouble(0);
    }

    /** The adaptive weight (times disc_weight) the last step used; NaN before the discriminator starts. */
    public double lastAdaptiveWeight() {
        return lastAdaptiveWeight;
    }

    /** disc_factor at a step: taming's {@code adopt_weight}, 0 before {@code loss.discriminator.start}. */
    public double discFactor(long step) {
        VqConfig.Discriminator d = config.loss().discriminator();
        return step >= d.start() ? d.factor() : 0.0;
    }

    @Override
    protected Map<String, INDArray> feed(Batch batch, long stepSeed) {
        INDArray x = batch.images().castTo(dtype);
        checkShape(x);
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(VqGraph.X, x);
        if (config.loss().discriminator().enabled()) {
            double factor = discFactor(stepCount());
            double w = 0;
            if (factor > 0) {
                lastAdaptiveWeight = adaptiveWeight(x);
                w = lastAdaptiveWeight * factor;
            }
            ph.put(VqGraph.G_WEIGHT, Nd4j.scalar(dtype, w));
            ph.put(VqGraph.DISC_FACTOR, Nd4j.scalar(dtype, factor));
        }
        return ph;
    }

    /**
     * taming's {@code d_weight} for a batch under the current parameters: {@code clamp(||dnll/dW|| / (||dg/dW|| +
     * 1e-4), 0, 1e4) * disc_weight}, W the decoder's last conv weight.
     */
    public double adaptiveWeight(INDArray images) {
        if (!config.loss().discriminator().enabled())
            throw new IllegalStateException("vqae: the adaptive weight needs loss.discriminator.enabled: true");
        if (probe == null)
            probe = CompiledGraph.gradients(graph(), List.of(VqGraph.LAST_INPUT), List.of(VqGraph.RECON_NLL, VqGraph.RECON_G));
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(VqGraph.X, images.castTo(dtype));
        ph.put(VqGraph.G_WEIGHT, Nd4j.scalar(dtype, 1.0));
        ph.put(VqGraph.DISC_FACTOR, Nd4j.scalar(dtype, 1.0));
        Map<String, INDArray> out = probe.run(ph);
        double nll = VqLosses.conv3x3WeightGradientNorm(out.get(VqGraph.LAST_INPUT), out.get(VqGraph.RECON_NLL));
        double g = VqLosses.conv3x3WeightGradientNorm(out.get(VqGraph.LAST_INPUT), out.get(VqGraph.RECON_G));
        return VqLosses.adaptiveWeight(nll, g, config.loss().discriminator().weight());
    }

    /** LDM's scale_by_std: 1 / std of the batch's pre-quantisation latents (unbiased, as torch's {@code std}). */
    @Override
    protected void afterStep(Map<String, INDArray> outputs, Batch batch) {
        INDArray z = outputs.get(VqGraph.LATENT);
        INDArray d = z.castTo(DataType.DOUBLE);
        double n = d.length();
        double mean = d.sumNumber().doubleValue() / n;
        double ss = d.sub(mean).norm2Number().doubleValue();
        double std = n > 1 ? ss / Math.sqrt(n - 1) : 0;
        if (std > 0 && Double.isFinite(std)) runningState(SCALE_FACTOR).assign(1.0 / std);
    }

    private void checkShape(INDArray x) {
        var m = config.model();
        long[] want = {m.imageChannels(), m.imageSize(), m.imageSize()};
        if (x.rank() != 4 || !Arrays.equals(want, Arrays.copyOfRange(x.shape(), 1, 4)))
            throw new IllegalArgumentException("vqae: batch images are " + Arrays.toString(x.shape()) + " but the config ("
                    + VqConfig.IMAGE_SIZE_KEY + ", model.imageChannels) expects [B, " + want[0] + ", " + want[1] + ", " + want[2] + "]");
    }
}
