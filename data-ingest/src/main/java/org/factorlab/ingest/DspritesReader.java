package org.factorlab.ingest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.FactorGrid;
import org.factorlab.data.KnownDataset;

/**
 * The dSprites npz: {@code imgs} (N, 64, 64) uint8 with pixel values 0/1 (scaled to 0/255 here) and
 * {@code latents_classes} (N, 6) integer factor classes. Classes come from {@code latents_classes}, so a file
 * holding any subset of the grid in any order ingests correctly; each example's index is its grid index.
 * Other keys (latents_values, the pickled metadata) are ignored.
 */
public final class DspritesReader implements RawReader {
    static final String IMAGES = "imgs";
    static final String CLASSES = "latents_classes";

    private final Path path;
    private final DatasetSpec spec = KnownDataset.DSPRITES.spec();
    private final FactorGrid grid = spec.grid();
    private final long[] gridIndex;

    public DspritesReader(Path path) throws InvalidInputException {
        this.path = path;
        String file = path.toString();
        try (Npz npz = Npz.open(path)) {
            long n;
            try (Npz.Entry images = npz.entry(IMAGES)) {
                images.requireUint8();
                images.requireCOrder();
                images.requireShape(-1, 64, 64);
                n = images.shape()[0];
            }
            try (Npz.Entry classes = npz.entry(CLASSES)) {
                int k = grid.numFactors();
                classes.requireShape(-1, k);
                if (classes.shape()[0] != n)
                    throw classes.invalid(classes.shape()[0] + " rows, but " + IMAGES + " holds " + n + " images");
                long[] flat = classes.readAllLongs();
                gridIndex = new long[(int) n];
                BitSet seen = new BitSet((int) grid.count());
                int[] cls = new int[k];
                for (int r = 0; r < n; r++) {
                    for (int j = 0; j < k; j++) {
                        long c = flat[r * k + j];
                        if (c < 0 || c >= grid.size(j))
                            throw new InvalidInputException(file, CLASSES + "[" + r + ", " + j + "]", "class " + c + " of factor '"
                                    + spec.factors().get(j).name() + "' outside [0, " + grid.size(j) + ") (row " + r + ", column " + j + ")");
                        cls[j] = (int) c;
                    }
                    gridIndex[r] = grid.index(cls);
                    if (seen.get((int) gridIndex[r]))
                        throw new InvalidInputException(file, CLASSES + "[" + r + "]", "row " + r + " repeats the classes of an earlier row");
                    seen.set((int) gridIndex[r]);
                }
            }
        } catch (InvalidInputException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidInputException(file, "", e.getMessage(), e);
        }
    }

    @Override
    public DatasetSpec spec() {
        return spec;
    }

    @Override
    public long count() {
        return gridIndex.length;
    }

    @Override
    public void read(ExampleSink sink) throws IOException {
        int bytes = spec.imageShape().bytes();
        try (Npz npz = Npz.open(path); Npz.Entry images = npz.entry(IMAGES)) {
            for (int row = 0; row < gridIndex.length; row++) {
                byte[] img = new byte[bytes];
                images.readFully(img, 0, bytes);
                for (int i = 0; i < bytes; i++) {
                    if (img[i] == 1) img[i] = (byte) 255;
                    else if (img[i] != 0)
                        throw images.invalid("image " + row + " has pixel value " + (img[i] & 0xff) + " at " + (i / 64) + ", " + (i % 64)
                                + "; dSprites pixels are 0 or 1");
                }
                sink.accept(new Example(gridIndex[row], img, grid.classes(gridIndex[row]), null));
            }
        }
    }

    @Override
    public String toString() {
        return "dSprites npz " + path;
    }
}
