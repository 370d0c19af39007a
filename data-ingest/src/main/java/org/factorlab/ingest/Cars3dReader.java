package org.factorlab.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.FactorGrid;
import org.factorlab.data.KnownDataset;
import us.hebi.matlab.mat.format.Mat5;
import us.hebi.matlab.mat.types.Array;
import us.hebi.matlab.mat.types.MatFile;
import us.hebi.matlab.mat.types.MatlabType;
import us.hebi.matlab.mat.types.Matrix;

/**
 * The Cars3D folder: one MATLAB v5 {@code .mat} per car (183 in the release), ordered by file name, each with
 * {@code im} uint8 128x128x3x24x4 (height, width, RGB, azimuth, elevation). Views are resized to 64x64 by area
 * averaging (exact 2x2 means). Factors are [elevation 4, azimuth 24, car]. A folder with fewer than 183 files is
 * refused unless {@link ReadOptions#allowPartial()}; then the car factor has one class per file found.
 */
public final class Cars3dReader implements RawReader {
    static final String IM = "im";
    static final int CARS = 183;
    private static final int[] IM_DIMS = {128, 128, 3, 24, 4};

    private final Path folder;
    private final List<Path> files;
    private final DatasetSpec spec;
    private final int threads;
    private final AreaResize resize = new AreaResize(128, 128, 3, 0, 0, 128, 128, 64, 64);

    public Cars3dReader(Path folder, ReadOptions options) throws InvalidInputException {
        this.folder = folder;
        this.threads = options.threads();
        if (!Files.isDirectory(folder)) throw new InvalidInputException(folder.toString(), "", "not a folder of Cars3D .mat files");
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".mat") && Files.isRegularFile(p))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new InvalidInputException(folder.toString(), "", "cannot list: " + e.getMessage(), e);
        }
        if (files.isEmpty()) throw new InvalidInputException(folder.toString(), "", "no .mat files");
        if (files.size() != CARS && !(options.allowPartial() && files.size() < CARS))
            throw new InvalidInputException(folder.toString(), "", files.size() + " .mat files; Cars3D has " + CARS
                    + (files.size() < CARS ? " (pass --allow-partial to ingest these as a " + files.size() + "-car dataset)" : ""));
        DatasetSpec full = KnownDataset.CARS3D.spec();
        this.spec = files.size() == CARS ? full
                : full.restrict(Arrays.asList(null, null, IntStream.range(0, files.size()).toArray()));
        checkFile(0);  // fail fast on the common mistakes (wrong folder, wrong variable) before any work
    }

    @Override
    public DatasetSpec spec() {
        return spec;
    }

    @Override
    public long count() {
        return spec.grid().count();
    }

    @Override
    public String classMapping() {
        var sb = new StringBuilder("car classes by file (class: file name):");
        for (int i = 0; i < files.size(); i++) sb.append(i == 0 ? " " : ", ").append(i).append(": ").append(files.get(i).getFileName());
        return sb.toString();
    }

    /** The .mat files in car order. */
    List<Path> files() {
        return files;
    }

    @Override
    public void read(ExampleSink sink) throws IOException {
        FactorGrid grid = spec.grid();
        OrderedPipeline.run(threads, "cars3d", new OrderedPipeline.TaskSource() {
            int car = 0;

            @Override
            public boolean hasNext() {
                return car < files.size();
            }

            @Override
            public Callable<List<Example>> next() {
                int c = car++;
                return () -> views(c, grid);
            }
        }, sink);
    }

    private List<Example> views(int car, FactorGrid grid) throws InvalidInputException {
        Matrix im = checkFile(car);
        var out = new ArrayList<Example>(24 * 4);
        byte[] view = new byte[128 * 128 * 3];
        for (int el = 0; el < 4; el++)
            for (int az = 0; az < 24; az++) {
                // MATLAB is column-major: linear index = y + 128 * (x + 128 * (c + 3 * (az + 24 * el)))
                int base = 128 * 128 * 3 * (az + 24 * el);
                for (int c = 0; c < 3; c++)
                    for (int x = 0; x < 128; x++)
                        for (int y = 0; y < 128; y++)
                            view[(y * 128 + x) * 3 + c] = im.getByte(base + y + 128 * (x + 128 * c));
                out.add(new Example(grid.index(el, az, car), resize.apply(view), new int[]{el, az, car}, null));
            }
        return out;
    }

    private Matrix checkFile(int car) throws InvalidInputException {
        String file = files.get(car).toString();
        MatFile mat;
        try {
            mat = Mat5.readFromFile(files.get(car).toFile());
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException(file, "", "not a readable MATLAB v5 .mat file (truncated or corrupt?): " + e.getMessage(), e);
        }
        Array found = null;
        var names = new ArrayList<String>();
        for (MatFile.Entry e : mat.getEntries()) {
            names.add(e.getName());
            if (e.getName().equals(IM)) found = e.getValue();
        }
        if (found == null) throw new InvalidInputException(file, IM, "no variable 'im'; the file holds " + names);
        if (!(found instanceof Matrix m) || found.getType() != MatlabType.UInt8)
            throw new InvalidInputException(file, IM, "type " + found.getType() + ", expected uint8");
        if (!Arrays.equals(found.getDimensions(), IM_DIMS))
            throw new InvalidInputException(file, IM, "dimensions " + Arrays.toString(found.getDimensions())
                    + ", expected " + Arrays.toString(IM_DIMS) + " (height, width, RGB, azimuth, elevation)");
        return m;
    }

    @Override
    public String toString() {
        return "Cars3D folder " + folder;
    }
}
