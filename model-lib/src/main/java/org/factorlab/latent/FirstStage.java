package org.factorlab.latent;

import java.util.Arrays;
import java.util.List;
import org.factorlab.data.Batch;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.LatentSpec;
import org.factorlab.model.ParentRef;
import org.factorlab.model.Parents;
import org.factorlab.vq.VqAutoencoder;
import org.factorlab.vq.VqConfig;
import org.factorlab.vq.VqFamily;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A latent model's first stage: the {@code vqae} parent named by {@code firstStage.checkpoint}, loaded and checked
 * against the model's config, the source of each training batch's latent, and the check that latent shards were
 * made by this very first stage. Shared by every family that can run on a latent (encdiff, ddpm, disdiff).
 */
public final class FirstStage {
    private final FirstStageConfig config;
    private final VqAutoencoder vq;
    private final String sha256;
    private final String uri;

    private FirstStage(FirstStageConfig config, VqAutoencoder vq, String sha256, String uri) {
        this.config = config;
        this.vq = vq;
        this.sha256 = sha256;
        this.uri = uri;
    }

    /** The parent a config names: none in pixel space. */
    public static List<ParentRef> parents(FirstStageConfig c) {
        if (c.required() && !c.latent())
            throw new IllegalArgumentException(FirstStageConfig.KEY + ": required (firstStage.required: true): the vqae checkpoint this "
                    + "latent model runs on (in the config, or --set " + FirstStageConfig.KEY + "=<checkpoint>)");
        return c.latent() ? List.of(new ParentRef(FirstStageConfig.KEY, c.checkpoint(), VqFamily.NAME)) : List.of();
    }

    /**
     * The loaded first stage of a latent config (null in pixel space), after checking that it takes the model's
     * images and gives the latent the config declares; errors name the key and the parent's file.
     */
    public static FirstStage load(FirstStageConfig c, int imageSize, int imageChannels, Parents parents, String source) {
        if (!c.latent()) return null;
        Parents.Parent p = parents.get(FirstStageConfig.KEY);
        String uri = p.ref().uri();
        VqAutoencoder vq = VqAutoencoder.fromCheckpoint(p.checkpoint(), uri);
        VqConfig.Model m = vq.config().model();
        if (m.imageSize() != imageSize || m.imageChannels() != imageChannels)
            throw new IllegalArgumentException(FirstStageConfig.KEY + ": the first stage " + uri + " takes " + m.imageChannels() + "x"
                    + m.imageSize() + "x" + m.imageSize() + " images (its model.imageSize), but " + source + " has model.imageSize "
                    + imageSize + ", model.imageChannels " + imageChannels);
        if (m.embedDim() != c.channels())
            throw new IllegalArgumentException(FirstStageConfig.KEY + ": the first stage " + uri + " has a " + m.embedDim()
                    + "-channel latent, but " + source + " has firstStage.channels " + c.channels());
        if (m.latentSize() != c.diffusionSize(imageSize))
            throw new IllegalArgumentException(FirstStageConfig.KEY + ": the first stage " + uri + " downsamples " + imageSize + " to "
                    + m.latentSize() + ", but " + source + " has firstStage.downsampling " + c.downsampling());
        return new FirstStage(c, vq, p.sha256(), uri);
    }

    /**
     * Checks the training data against a config before any step: latent shards must carry a latent made by this
     * first stage (unless the latent is encoded on the fly). {@code dataName} is the data's URI; errors name its
     * manifest file and the key.
     */
    public static void checkData(FirstStageConfig c, DatasetSpec spec, Parents parents, String dataName) {
        if (!c.latent() || c.latents() == FirstStageConfig.Latents.ENCODE) return;
        String manifest = dataName.replaceAll("/+$", "") + "/_manifest.json";
        LatentSpec l = spec.latent();
        if (l == null)
            throw new IllegalArgumentException(manifest + " [latent]: these shards have no latent column, but the model runs on the latent "
                    + "of " + FirstStageConfig.KEY + "; make latent shards with 'factorlab encode-latents --first-stage " + c.checkpoint()
                    + "', or set firstStage.latents=encode");
        Parents.Parent p = parents.get(FirstStageConfig.KEY);
        if (!l.firstStageSha256().equals(p.sha256()))
            throw new IllegalArgumentException(manifest + " [latent.firstStageSha256]: the latents were made by the first stage "
                    + l.firstStageUri() + " (SHA-256 " + l.firstStageSha256() + "), but " + FirstStageConfig.KEY + " is " + p.ref().uri()
                    + " (SHA-256 " + p.sha256() + ")");
    }

    public VqAutoencoder autoencoder() {
        return vq;
    }

    public FirstStageConfig config() {
        return config;
    }

    public String sha256() {
        return sha256;
    }

    public String uri() {
        return uri;
    }

    /** {@code [channels, size, size]} of the latent. */
    public long[] latentShape() {
        return vq.latentShape();
    }

    /** A batch's latent: the shards' column, or the first stage's encoding of its images. */
    public INDArray latents(Batch batch, DataType dtype) {
        INDArray z;
        if (config.latents() == FirstStageConfig.Latents.ENCODE) z = vq.encode(batch.images());
        else {
            z = batch.latents();
            if (z == null)
                throw new IllegalArgumentException("firstStage.latents: shards: the batch carries no latent (data without the latent "
                        + "column; make it with factorlab encode-latents, or set firstStage.latents=encode)");
        }
        long[] want = latentShape();
        if (!Arrays.equals(want, Arrays.copyOfRange(z.shape(), 1, 4)))
            throw new IllegalArgumentException("latent " + Arrays.toString(z.shape()) + " does not fit the first stage " + uri
                    + " [B, " + want[0] + ", " + want[1] + ", " + want[2] + "]");
        return z.castTo(dtype);
    }

    /** Latents to images (quantised, as LDM decodes). */
    public INDArray decode(INDArray latents) {
        return vq.decode(latents, true);
    }

    /** Images to latents. */
    public INDArray encode(INDArray images) {
        return vq.encode(images);
    }
}
