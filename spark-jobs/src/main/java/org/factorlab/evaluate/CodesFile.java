package org.factorlab.evaluate;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.factorlab.metrics.CodesAndFactors;
import org.factorlab.provenance.Digests;
import org.factorlab.metrics.UnitPca;

/**
 * The codes file formats {@code factorlab evaluate --codes} reads (any Hadoop FileSystem URI):
 * <ul>
 * <li>NPY pair: {@code DIR/NAME.npy} holds the codes (N x D, any int/float dtype); the factor classes are
 * {@code DIR/factors.npy} (N x K, integral values) beside it; optional {@code DIR/factor_names.txt} names the
 * factors, one per line. This is also what the stage writes next to its report.</li>
 * <li>CSV: one file with a header row; columns named {@code factor:NAME} hold factor classes (integers), every
 * other column is a code dim (a number). Blank lines and lines starting with {@code #} are skipped.</li>
 * </ul>
 * Errors name the file, and the line and column where there is one.
 */
public final class CodesFile {
    public static final String FACTORS_NPY = "factors.npy";
    public static final String CODES_NPY = "codes.npy";
    public static final String FACTOR_NAMES = "factor_names.txt";
    public static final String FACTOR_PREFIX = "factor:";

    private CodesFile() {
    }

    /** Reads one codes input; {@code unitSize} > 1 reduces each unit to one number (PCA) first. */
    public static EvaluationRun read(String uri, String runId, Configuration conf, int unitSize) throws IOException {
        Path path = new Path(uri);
        FileSystem fs = path.getFileSystem(conf);
        if (!fs.exists(path)) throw new IllegalArgumentException("codes file " + uri + " does not exist");
        MessageDigest sha = Digests.sha256();
        CodesAndFactors data;
        String name = path.getName().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".csv")) {
            data = readCsv(bytes(fs, path, sha), uri);
        } else if (name.endsWith(".npy")) {
            Path factorsPath = new Path(path.getParent(), FACTORS_NPY);
            if (!fs.exists(factorsPath))
                throw new IllegalArgumentException("codes file " + uri + ": its factors " + factorsPath + " do not exist (NPY codes need factors.npy beside them)");
            Npy.Array codes = Npy.read(new ByteArrayInputStream(bytes(fs, path, sha)), uri);
            Npy.Array factors = Npy.read(new ByteArrayInputStream(bytes(fs, factorsPath, sha)), factorsPath.toString());
            if (!factors.integral() && !allIntegral(factors.rows()))
                throw new IllegalArgumentException(factorsPath + ": factor classes must be integers (dtype " + factors.kind() + factors.itemSize() + ")");
            Path namesPath = new Path(path.getParent(), FACTOR_NAMES);
            List<String> names = null;
            if (fs.exists(namesPath)) {
                names = new String(bytes(fs, namesPath, sha), StandardCharsets.UTF_8).lines().map(String::trim).filter(s -> !s.isEmpty()).toList();
            }
            if (codes.rows().length != factors.rows().length)
                throw new IllegalArgumentException("codes file " + uri + " has " + codes.rows().length + " rows but " + factorsPath
                        + " has " + factors.rows().length);
            try {
                data = new CodesAndFactors(codes.rows(), toInts(factors.rows()), names);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("codes file " + uri + ": " + e.getMessage(), e);
            }
        } else {
            throw new IllegalArgumentException("codes file " + uri + ": unknown format (expected .npy with factors.npy beside it, or .csv)");
        }
        if (unitSize > 1) data = UnitPca.reduce(data, unitSize);
        return new EvaluationRun(runId, data, uri, HexFormat.of().formatHex(sha.digest()));
    }

    /** A run id from the file name: the directory name for {@code .../NAME/codes.npy}, else the file's stem. */
    public static String defaultRunId(String uri) {
        Path p = new Path(uri);
        String stem = p.getName().replaceFirst("\\.[^.]*$", "");
        if (stem.equals("codes") && p.getParent() != null && !p.getParent().getName().isEmpty()) stem = p.getParent().getName();
        String id = stem.replaceAll("[^A-Za-z0-9._-]", "_");
        return id.isEmpty() ? "run" : id;
    }

    static CodesAndFactors readCsv(byte[] content, String source) throws IOException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(content), StandardCharsets.UTF_8))) {
            String line;
            int lineNo = 0;
            String[] header = null;
            List<Integer> codeCols = new ArrayList<>(), factorCols = new ArrayList<>();
            List<String> factorNames = new ArrayList<>();
            List<double[]> codes = new ArrayList<>();
            List<int[]> factors = new ArrayList<>();
            while ((line = r.readLine()) != null) {
                lineNo++;
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) continue;
                String[] cells = t.split(",", -1);
                if (header == null) {
                    header = cells;
                    for (int i = 0; i < cells.length; i++) {
                        String h = cells[i].strip();
                        if (h.startsWith(FACTOR_PREFIX)) {
                            factorCols.add(i);
                            factorNames.add(h.substring(FACTOR_PREFIX.length()).strip());
                        } else {
                            codeCols.add(i);
                        }
                    }
                    if (factorCols.isEmpty()) throw new IllegalArgumentException(source + ":" + lineNo + ": header has no '" + FACTOR_PREFIX + "NAME' column");
                    if (codeCols.isEmpty()) throw new IllegalArgumentException(source + ":" + lineNo + ": header has no code column");
                    continue;
                }
                if (cells.length != header.length)
                    throw new IllegalArgumentException(source + ":" + lineNo + ": " + cells.length + " cells, header has " + header.length);
                double[] c = new double[codeCols.size()];
                for (int j = 0; j < c.length; j++) {
                    String cell = cells[codeCols.get(j)].strip();
                    try {
                        c[j] = Double.parseDouble(cell);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(source + ":" + lineNo + ": column '" + header[codeCols.get(j)].strip() + "': '" + cell + "' is not a number");
                    }
                    if (!Double.isFinite(c[j]))
                        throw new IllegalArgumentException(source + ":" + lineNo + ": column '" + header[codeCols.get(j)].strip() + "' is " + cell + "; codes must be finite");
                }
                int[] f = new int[factorCols.size()];
                for (int j = 0; j < f.length; j++) {
                    String cell = cells[factorCols.get(j)].strip();
                    try {
                        f[j] = Integer.parseInt(cell);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(source + ":" + lineNo + ": column '" + header[factorCols.get(j)].strip() + "': '" + cell + "' is not an integer class");
                    }
                }
                codes.add(c);
                factors.add(f);
            }
            if (header == null) throw new IllegalArgumentException(source + ": empty file (no header)");
            if (codes.isEmpty()) throw new IllegalArgumentException(source + ": no data rows after the header");
            try {
                return new CodesAndFactors(codes.toArray(double[][]::new), factors.toArray(int[][]::new), factorNames);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
            }
        }
    }

    /** Writes codes.npy, factors.npy and factor_names.txt into {@code dir} (each to a temporary name, then renamed). */
    public static void write(FileSystem fs, Path dir, CodesAndFactors data) throws IOException {
        fs.mkdirs(dir);
        Reports.atomicWrite(fs, new Path(dir, CODES_NPY), out -> Npy.writeDoubles(out, data.codes()));
        Reports.atomicWrite(fs, new Path(dir, FACTORS_NPY), out -> Npy.writeInts(out, data.factors()));
        Reports.atomicWrite(fs, new Path(dir, FACTOR_NAMES), out -> out.write((String.join("\n", data.factorNames()) + "\n").getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] bytes(FileSystem fs, Path p, MessageDigest sha) throws IOException {
        try (InputStream in = fs.open(p)) {
            byte[] b = in.readAllBytes();
            sha.update(b);
            return b;
        }
    }

    private static boolean allIntegral(double[][] a) {
        for (double[] r : a) for (double v : r) if (v != Math.rint(v)) return false;
        return true;
    }

    private static int[][] toInts(double[][] a) {
        int[][] out = new int[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = new int[a[i].length];
            for (int j = 0; j < a[i].length; j++) out[i][j] = (int) a[i][j];
        }
        return out;
    }

    @FunctionalInterface
    interface Writer {
        void write(OutputStream out) throws IOException;
    }
}
