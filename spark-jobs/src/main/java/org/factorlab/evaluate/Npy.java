package org.factorlab.evaluate;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes 1-D and 2-D NumPy {@code .npy} arrays (format versions 1-3; little- or big-endian ints,
 * unsigned ints, floats and bools; C or Fortran order). A 1-D array reads as one column.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-z])(\\d+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /** A 2-D array as doubles, with the file's element type. */
    public record Array(double[][] rows, char kind, int itemSize) {
        public boolean integral() {
            return kind == 'i' || kind == 'u' || kind == 'b';
        }
    }

    public static Array read(InputStream raw, String source) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16));
        byte[] magic = new byte[6];
        in.readFully(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) throw bad(source, "not a .npy file (bad magic)");
        int major = in.readUnsignedByte();
        in.readUnsignedByte();
        long headerLen;
        if (major == 1) headerLen = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
        else if (major == 2 || major == 3) headerLen = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
        else throw bad(source, "unsupported .npy version " + major);
        byte[] hb = new byte[(int) headerLen];
        in.readFully(hb);
        String header = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header), f = FORTRAN.matcher(header), s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) throw bad(source, "unreadable header " + header.trim());
        ByteOrder order = d.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        char kind = d.group(2).charAt(0);
        int size = Integer.parseInt(d.group(3));
        if ("iufb".indexOf(kind) < 0 || !(kind == 'f' ? size == 4 || size == 8 : size == 1 || size == 2 || size == 4 || size == 8))
            throw bad(source, "unsupported element type '" + d.group() + "' (need ints, unsigned ints, floats or bools)");
        boolean fortran = f.group(1).equals("True");
        String[] dims = s.group(1).split(",");
        long[] shape = java.util.Arrays.stream(dims).map(String::trim).filter(x -> !x.isEmpty()).mapToLong(Long::parseLong).toArray();
        if (shape.length < 1 || shape.length > 2) throw bad(source, "expected a 1-D or 2-D array, shape is (" + s.group(1) + ")");
        long n = shape[0], cols = shape.length == 2 ? shape[1] : 1;
        if (n * cols > Integer.MAX_VALUE) throw bad(source, "array too large: " + n + " x " + cols);
        double[][] out = new double[(int) n][(int) cols];
        byte[] buf = new byte[size];
        ByteBuffer bb = ByteBuffer.wrap(buf).order(order);
        for (long idx = 0; idx < n * cols; idx++) {
            try {
                in.readFully(buf);
            } catch (java.io.EOFException e) {
                throw bad(source, "truncated: header says " + n + " x " + cols + " but the data ends at element " + idx);
            }
            double v = switch (kind) {
                case 'f' -> size == 4 ? bb.getFloat(0) : bb.getDouble(0);
                case 'b' -> buf[0] != 0 ? 1 : 0;
                case 'i' -> size == 1 ? buf[0] : size == 2 ? bb.getShort(0) : size == 4 ? bb.getInt(0) : (double) bb.getLong(0);
                default -> size == 1 ? Byte.toUnsignedInt(buf[0]) : size == 2 ? Short.toUnsignedInt(bb.getShort(0))
                        : size == 4 ? Integer.toUnsignedLong(bb.getInt(0)) : (double) bb.getLong(0);
            };
            int r = (int) (fortran ? idx % n : idx / cols), c = (int) (fortran ? idx / n : idx % cols);
            out[r][c] = v;
        }
        return new Array(out, kind, size);
    }

    public static void writeDoubles(OutputStream out, double[][] a) throws IOException {
        int cols = a.length == 0 ? 0 : a[0].length;
        header(out, "<f8", a.length, cols);
        ByteBuffer bb = ByteBuffer.allocate(8 * Math.max(1, cols)).order(ByteOrder.LITTLE_ENDIAN);
        for (double[] row : a) {
            bb.clear();
            for (double v : row) bb.putDouble(v);
            out.write(bb.array(), 0, bb.position());
        }
    }

    public static void writeInts(OutputStream out, int[][] a) throws IOException {
        int cols = a.length == 0 ? 0 : a[0].length;
        header(out, "<i8", a.length, cols);
        ByteBuffer bb = ByteBuffer.allocate(8 * Math.max(1, cols)).order(ByteOrder.LITTLE_ENDIAN);
        for (int[] row : a) {
            bb.clear();
            for (int v : row) bb.putLong(v);
            out.write(bb.array(), 0, bb.position());
        }
    }

    /** A 1-D int64 array. */
    public static void writeVector(OutputStream out, int[] v) throws IOException {
        String dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (" + v.length + ",), }";
        writeHeader(out, dict);
        ByteBuffer bb = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) bb.putLong(x);
        out.write(bb.array());
    }

    private static void header(OutputStream out, String descr, int rows, int cols) throws IOException {
        writeHeader(out, "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }");
    }

    private static void writeHeader(OutputStream out, String dict) throws IOException {
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        StringBuilder h = new StringBuilder(dict);
        h.append(" ".repeat(pad)).append('\n');
        out.write(MAGIC);
        out.write(1);
        out.write(0);
        int len = h.length();
        out.write(len & 0xff);
        out.write((len >> 8) & 0xff);
        out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private static IOException bad(String source, String what) {
        return new IOException(source + ": " + what);
    }
}
