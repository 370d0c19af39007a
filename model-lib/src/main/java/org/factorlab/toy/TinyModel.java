package org.factorlab.toy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.factorlab.data.Batch;
import org.factorlab.nn.CompiledGraph;
import org.factorlab.model.Decoding;
import org.factorlab.model.DirectDecoding;
import org.factorlab.model.ModelFamily;
import org.factorlab.model.ParentRef;
import org.factorlab.model.Parents;
import org.factorlab.model.RepresentationEncoder;
import org.factorlab.model.TrainedModel;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.Losses;
import org.factorlab.train.TrainingSession;
import org.factorlab.train.TrainingState;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The {@code tiny} model: a documented toy that exercises the Spark training machinery in seconds. It is a real
 * SameDiff model (a one-hidden-layer tanh autoencoder over flattened images, MSE reconstruction loss) with its
 * own SGD or Adam update on INDArrays. Training is a pure function of (config, seed, data), which is what the
 * equivalence tests of parameter averaging need.
 */
public final class TinyModel implements ModelFamily {
    public static final String NAME = "tiny";
    public static final String INPUT = "x";
    public static final String W1 = "w1";
    public static final String B1 = "b1";
    public static final String W2 = "w2";
    public static final String B2 = "b2";
    public static final String LOSS = "loss";
    public static final List<String> PARAMS = List.of(W1, B1, W2, B2);
    /** The config key of the optional parent checkpoint. */
    public static final String PRETRAINED = "pretrained.checkpoint";
    /** Updater state keys are {@code <param>/m} and {@code <param>/v} (Adam); SGD has none. */
    public static final String ADAM_M = "/m";
    public static final String ADAM_V = "/v";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String summary() {
        return "a toy one-hidden-layer tanh autoencoder that exercises training, Spark and checkpoints in seconds";
    }

    @Override
    public String defaultsYaml() {
        return TinyConfig.defaultsText();
    }

    @Override
    public TinyConfig parse(String configText, String source) {
        return TinyConfig.parse(configText, source);
    }

    @Override
    public TrainingSession open(String configText, long seed) {
        return new Session(TinyConfig.parse(configText), seed, Map.of());
    }

    /** {@code pretrained.checkpoint}: a parent tiny model whose encoder layer (w1, b1) is frozen in this one. */
    @Override
    public List<ParentRef> parents(String configText) {
        String uri = TinyConfig.parse(configText).pretrained().checkpoint();
        return uri.isBlank() ? List.of() : List.of(new ParentRef(PRETRAINED, uri, NAME));
    }

    @Override
    public TrainingSession open(String configText, long seed, Parents parents) {
        TinyConfig c = TinyConfig.parse(configText);
        return new Session(c, seed, frozen(c, parents));
    }

    @Override
    public TrainedModel load(Checkpoint checkpoint, Parents parents, String nameForErrors) {
        TinyConfig c = TinyConfig.parse(checkpoint.provenance().configText(), nameForErrors + " [config.yaml]");
        Map<String, INDArray> p = new LinkedHashMap<>(checkpoint.inferenceParameters());
        p.putAll(frozen(c, parents));
        return new Trained(c, p, nameForErrors);
    }

    /** The frozen encoder layer from the parent, when the config names one. */
    private Map<String, INDArray> frozen(TinyConfig c, Parents parents) {
        if (c.pretrained().checkpoint().isBlank()) {
            if (!parents.isEmpty()) throw new IllegalArgumentException("tiny: parents given but pretrained.checkpoint is empty");
            return Map.of();
        }
        Map<String, INDArray> from = parents.get(PRETRAINED).checkpoint().inferenceParameters();
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String k : List.of(W1, B1)) {
            INDArray a = from.get(k);
            if (a == null) throw new IllegalArgumentException(PRETRAINED + ": the parent has no parameter '" + k + "'");
            out.put(k, a);
        }
        return out;
    }

    @Override
    public TrainedModel load(Checkpoint checkpoint, String nameForErrors) {
        if (!NAME.equals(checkpoint.model()))
            throw new IllegalArgumentException(nameForErrors + ": a '" + checkpoint.model() + "' checkpoint, not " + NAME);
        return new Trained(TinyConfig.parse(checkpoint.provenance().configText(), nameForErrors + " [config.yaml]"),
                checkpoint.inferenceParameters(), nameForErrors);
    }

    /** The trained toy: code = tanh(x W1 + b1), decoded as h W2 + b2; each hidden unit is a swappable unit. */
    static final class Trained implements TrainedModel, DirectDecoding, RepresentationEncoder {
        private final TinyConfig config;
        private final Map<String, INDArray> p = new LinkedHashMap<>();

        Trained(TinyConfig config, Map<String, INDArray> params, String nameForErrors) {
            this.config = config;
            for (String k : PARAMS) {
                INDArray a = params.get(k);
                if (a == null) throw new IllegalArgumentException(nameForErrors + ": tiny checkpoint has no parameter '" + k + "'");
                p.put(k, a.castTo(DataType.FLOAT));
            }
        }

        @Override
        public String family() {
            return NAME;
        }

        @Override
        public RepresentationEncoder encoder() {
            return this;
        }

        @Override
        public int imageSize() {
            return config.image().height();
        }

        @Override
        public java.util.Optional<Decoding> decoding() {
            return java.util.Optional.of(this);
        }

        @Override
        public INDArray encode(INDArray images) {
            INDArray x = images.castTo(DataType.FLOAT).reshape('c', images.size(0), config.image().pixels());
            return Transforms.tanh(x.mmul(p.get(W1)).addiRowVector(p.get(B1)), false);
        }

        @Override
        public int codeDim() {
            return config.hidden();
        }

        @Override
        public INDArray decode(INDArray codes) {
            var im = config.image();
            return codes.castTo(DataType.FLOAT).mmul(p.get(W2)).addiRowVector(p.get(B2)).reshape('c', codes.size(0), im.channels(), im.height(), im.width());
        }

        @Override
        public int units() {
            return config.hidden();
        }

        @Override
        public String unitName() {
            return "h";
        }



    }

    static final class Session implements TrainingSession {
        private final TinyConfig config;
        private final SameDiff sd;
        /** Compiled at the first step. */
        private CompiledGraph gradients;
        private final int pixels;
        private final Map<String, INDArray> updater = new LinkedHashMap<>();
        private long step;
        private double lastGradNorm = Double.NaN;

        /** The trained parameters: all four, or w2 and b2 when the encoder layer is frozen from a parent. */
        private final List<String> params;

        Session(TinyConfig config, long seed, Map<String, INDArray> frozen) {
            this.config = config;
            this.pixels = config.image().pixels();
            int h = config.hidden();
            // Initial weights from a JDK RNG: bit-identical on every JVM and backend (driver and workers agree).
            SplittableRandom rng = new SplittableRandom(seed);
            sd = SameDiff.create();
            SDVariable x = sd.placeHolder(INPUT, DataType.FLOAT, -1, pixels);
            SDVariable w1 = sd.var(W1, uniform(rng, pixels, h, Math.sqrt(6.0 / (pixels + h))));
            SDVariable b1 = sd.var(B1, Nd4j.zeros(DataType.FLOAT, 1, h));
            SDVariable w2 = sd.var(W2, uniform(rng, h, pixels, Math.sqrt(6.0 / (pixels + h))));
            SDVariable b2 = sd.var(B2, Nd4j.zeros(DataType.FLOAT, 1, pixels));
            SDVariable hidden = sd.math.tanh(x.mmul(w1).add(b1));
            SDVariable recon = hidden.mmul(w2).add(b2);
            SDVariable loss = sd.math.square(recon.sub(x)).mean(LOSS);
            sd.setLossVariables(loss);
            List<String> trained = new ArrayList<>(PARAMS);
            for (var e : frozen.entrySet()) {
                INDArray dst = sd.getArrForVarName(e.getKey());
                if (!java.util.Arrays.equals(dst.shape(), e.getValue().shape()))
                    throw new IllegalArgumentException(PRETRAINED + ": parent parameter '" + e.getKey() + "' has shape "
                            + java.util.Arrays.toString(e.getValue().shape()) + ", this model " + java.util.Arrays.toString(dst.shape()));
                dst.assign(e.getValue());
                trained.remove(e.getKey());
            }
            if (!frozen.isEmpty()) sd.convertToConstants(List.of(w1, b1));
            this.params = List.copyOf(trained);
            if (config.optimizer() == TinyConfig.Optimizer.ADAM) {
                for (String p : params) {
                    long[] shape = sd.getArrForVarName(p).shape();
                    updater.put(p + ADAM_M, Nd4j.zeros(DataType.FLOAT, shape));
                    updater.put(p + ADAM_V, Nd4j.zeros(DataType.FLOAT, shape));
                }
            }
        }

        private static INDArray uniform(SplittableRandom rng, int rows, int cols, double limit) {
            float[] v = new float[rows * cols];
            for (int i = 0; i < v.length; i++) v[i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
            return Nd4j.create(v, new long[]{rows, cols}, DataType.FLOAT);
        }

        @Override
        public List<String> lossNames() {
            return List.of(Losses.TOTAL);
        }

        @Override
        public Losses step(Batch batch) {
            INDArray images = batch.images();
            long perImage = images.length() / images.size(0);
            if (perImage != pixels)
                throw new IllegalArgumentException("tiny model: config image has " + pixels + " values per image, batch has "
                        + perImage + " (shape " + java.util.Arrays.toString(images.shape()) + ")");
            INDArray x = images.castTo(DataType.FLOAT).reshape('c', images.size(0), pixels);
            if (gradients == null) gradients = CompiledGraph.gradients(sd, List.of(LOSS), params);
            Map<String, INDArray> out = gradients.run(Map.of(INPUT, x));
            double loss = out.get(LOSS).getDouble(0);
            step++;
            double sq = 0;
            for (String p : params) {
                INDArray g = out.get(p);
                sq += g.norm2Number().doubleValue() * g.norm2Number().doubleValue();
                apply(p, sd.getArrForVarName(p), g);
            }
            lastGradNorm = Math.sqrt(sq);
            return Losses.ofTotal(loss);
        }

        private void apply(String name, INDArray param, INDArray grad) {
            double lr = config.learningRate();
            if (config.optimizer() == TinyConfig.Optimizer.SGD) {
                param.subi(grad.mul(lr));
                return;
            }
            double b1 = config.beta1(), b2 = config.beta2();
            INDArray m = updater.get(name + ADAM_M), v = updater.get(name + ADAM_V);
            m.muli(b1).addi(grad.mul(1 - b1));
            v.muli(b2).addi(grad.mul(grad).muli(1 - b2));
            double alpha = lr * Math.sqrt(1 - Math.pow(b2, step)) / (1 - Math.pow(b1, step));
            param.subi(m.div(Transforms.sqrt(v, true).addi(config.epsilon())).muli(alpha));
        }

        @Override
        public TrainingState state() {
            var params = new LinkedHashMap<String, INDArray>();
            for (String p : this.params) params.put(p, sd.getArrForVarName(p).dup());
            var upd = new LinkedHashMap<String, INDArray>();
            updater.forEach((k, v) -> upd.put(k, v.dup()));
            return new TrainingState(step, params, upd);
        }

        @Override
        public void load(TrainingState state) {
            for (String p : params) assign("parameter", p, sd.getArrForVarName(p), state.parameters().get(p));
            if (state.parameters().size() != params.size())
                throw new IllegalArgumentException("tiny model: state has parameters " + state.parameters().keySet() + ", expected " + params);
            for (var e : updater.entrySet()) assign("updater state", e.getKey(), e.getValue(), state.updaterState().get(e.getKey()));
            if (state.updaterState().size() != updater.size())
                throw new IllegalArgumentException("tiny model: updater state has keys " + state.updaterState().keySet()
                        + ", expected " + updater.keySet() + " (optimizer " + config.optimizer() + ")");
            step = state.step();
            lastGradNorm = Double.NaN;
        }

        private static void assign(String kind, String name, INDArray target, INDArray value) {
            if (value == null) throw new IllegalArgumentException("tiny model: " + kind + " '" + name + "' missing from state");
            if (!java.util.Arrays.equals(target.shape(), value.shape()))
                throw new IllegalArgumentException("tiny model: " + kind + " '" + name + "' has shape "
                        + java.util.Arrays.toString(value.shape()) + ", expected " + java.util.Arrays.toString(target.shape()));
            target.assign(value);
        }

        @Override
        public double lastGradientNorm() {
            return lastGradNorm;
        }
    }
}
