package org.factorlab.ingest;

import java.nio.file.Path;
import org.factorlab.data.KnownDataset;

/** Opens the raw reader for a known dataset. */
public final class RawReaders {
    private RawReaders() {
    }

    /**
     * @param input the raw file (Shapes3D h5, MPI3D or dSprites npz) or folder (Cars3D .mat files, CelebA root)
     */
    public static RawReader open(KnownDataset dataset, Path input, ReadOptions options) throws InvalidInputException {
        return switch (dataset) {
            case SHAPES3D -> new Shapes3dReader(input, options);
            case MPI3D, MPI3D_460K -> {
                var r = new Mpi3dReader(input);
                // the count decides the layout; naming the other release explicitly is a mistake worth reporting
                if (dataset == KnownDataset.MPI3D_460K && !r.spec().name().equals(dataset.id()))
                    throw new InvalidInputException(input.toString(), Mpi3dReader.IMAGES, r.count()
                            + " images is the " + r.spec().name() + " layout, not " + dataset.id());
                yield r;
            }
            case CARS3D -> new Cars3dReader(input, options);
            case CELEBA -> new CelebaReader(input, options);
            case DSPRITES -> new DspritesReader(input);
        };
    }
}
