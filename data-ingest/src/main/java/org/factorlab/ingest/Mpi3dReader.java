package org.factorlab.ingest;

import java.io.IOException;
import java.nio.file.Path;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.FactorGrid;
import org.factorlab.data.KnownDataset;

/**
 * An MPI3D npz (toy, realistic or real): {@code images} (N, 64, 64, 3) uint8 in row-major factor order. The
 * array (12.7 GB for the full release) is streamed one image at a time out of the zip, so the heap stays small.
 * The layout is chosen from N: 1,036,800 images is {@link KnownDataset#MPI3D}, 460,800 the older toy release
 * {@link KnownDataset#MPI3D_460K}; any other count is refused.
 */
public final class Mpi3dReader implements RawReader {
    static final String IMAGES = "images";

    private final Path path;
    private final DatasetSpec spec;
    private final long count;

    public Mpi3dReader(Path path) throws InvalidInputException {
        this(path, null);
    }

    /** With an explicit layout (package-private: tests use tiny grids; real files always go through the count). */
    Mpi3dReader(Path path, DatasetSpec layout) throws InvalidInputException {
        this.path = path;
        try (Npz npz = Npz.open(path); Npz.Entry images = npz.entry(IMAGES)) {
            images.requireUint8();
            images.requireCOrder();
            images.requireShape(-1, 64, 64, 3);
            this.count = images.shape()[0];
            this.spec = layout != null ? layout : layoutForCount(path.toString(), count).spec();
            if (spec.grid().count() != count)
                throw images.invalid(count + " images, but layout " + spec.name() + " has " + spec.grid().count());
        } catch (InvalidInputException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidInputException(path.toString(), IMAGES, e.getMessage(), e);
        }
    }

    /** The published layout holding {@code n} images. */
    static KnownDataset layoutForCount(String file, long n) throws InvalidInputException {
        for (KnownDataset d : new KnownDataset[]{KnownDataset.MPI3D, KnownDataset.MPI3D_460K})
            if (d.spec().grid().count() == n) return d;
        throw new InvalidInputException(file, IMAGES, n + " images; an MPI3D release holds "
                + KnownDataset.MPI3D.spec().grid().count() + " (" + KnownDataset.MPI3D.id() + ") or "
                + KnownDataset.MPI3D_460K.spec().grid().count() + " (" + KnownDataset.MPI3D_460K.id() + ", the older toy release)");
    }

    @Override
    public DatasetSpec spec() {
        return spec;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public void read(ExampleSink sink) throws IOException {
        FactorGrid grid = spec.grid();
        int bytes = spec.imageShape().bytes();
        try (Npz npz = Npz.open(path); Npz.Entry images = npz.entry(IMAGES)) {
            for (long row = 0; row < count; row++) {
                byte[] img = new byte[bytes];
                images.readFully(img, 0, bytes);
                sink.accept(new Example(row, img, grid.classes(row), null));
            }
        }
    }

    @Override
    public String toString() {
        return "MPI3D npz " + path;
    }
}
