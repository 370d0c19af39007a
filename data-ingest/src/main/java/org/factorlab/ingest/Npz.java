package org.factorlab.ingest;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A numpy {@code .npz} archive read entry by entry: each array is streamed out of the zip (stored or deflated,
 * zip64 included) behind its parsed NPY header, so arrays far larger than the heap pass through in bounded
 * memory. ND4J's npz reader is not used: it fails on compressed archives and materialises whole arrays.
 */
public final class Npz implements AutoCloseable {
    private final Path path;
    private final ZipFile zip;

    private Npz(Path path, ZipFile zip) {
        this.path = path;
        this.zip = zip;
    }

    public static Npz open(Path path) throws InvalidInputException {
        if (!java.nio.file.Files.isRegularFile(path))
            throw new InvalidInputException(path.toString(), "", "no such file");
        try {
            return new Npz(path, new ZipFile(path.toFile()));
        } catch (ZipException e) {
            throw new InvalidInputException(path.toString(), "", "not a readable npz (zip) archive, truncated or corrupt: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new InvalidInputException(path.toString(), "", "cannot open: " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    /** Array names in the archive (entry names without {@code .npy}). */
    public List<String> keys() {
        var out = new ArrayList<String>();
        zip.stream().map(ZipEntry::getName).filter(n -> n.endsWith(".npy")).forEach(n -> out.add(n.substring(0, n.length() - 4)));
        return out;
    }

    /** Opens array {@code key} for streaming; the header is parsed and checked for C order. */
    public Entry entry(String key) throws InvalidInputException {
        ZipEntry e = zip.getEntry(key + ".npy");
        if (e == null) throw new InvalidInputException(path.toString(), key, "no array '" + key + "' in the npz; it holds " + keys());
        try {
            InputStream in = new BufferedInputStream(zip.getInputStream(e), 1 << 16);
            return new Entry(path.toString(), key, in);
        } catch (InvalidInputException ex) {
            throw ex;
        } catch (IOException ex) {
            throw new InvalidInputException(path.toString(), key, "cannot read: " + ex.getMessage(), ex);
        }
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }

    /** Element type of an NPY array: kind ('u', 'i', 'f', 'b'), bytes per element and byte order. */
    public record Dtype(char kind, int size, ByteOrder order, String descr) {
        public static final Dtype UINT8 = new Dtype('u', 1, ByteOrder.LITTLE_ENDIAN, "|u1");

        static Dtype parse(String descr) {
            Matcher m = Pattern.compile("([<>|=])([uifb])(\\d+)").matcher(descr);
            if (!m.matches()) return new Dtype('?', 0, ByteOrder.LITTLE_ENDIAN, descr);
            ByteOrder order = m.group(1).equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            return new Dtype(m.group(2).charAt(0), Integer.parseInt(m.group(3)), order, descr);
        }

        public boolean isInteger() {
            return (kind == 'i' || kind == 'u' || kind == 'b') && size >= 1 && size <= 8;
        }
    }

    /** One array: its header and a stream positioned at the first element. */
    public static final class Entry implements AutoCloseable {
        private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
        private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
        private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

        private final String file;
        private final String key;
        private final InputStream in;
        private final Dtype dtype;
        private final long[] shape;
        private final boolean fortranOrder;
        private long bytesRead;

        Entry(String file, String key, InputStream in) throws IOException {
            this.file = file;
            this.key = key;
            this.in = in;
            byte[] magic = new byte[8];
            readHeaderBytes(magic);
            if ((magic[0] & 0xff) != 0x93 || !new String(magic, 1, 5, StandardCharsets.ISO_8859_1).equals("NUMPY"))
                throw invalid("not an NPY array (bad magic)");
            int major = magic[6];
            int headerLen;
            if (major == 1) {
                byte[] b = new byte[2];
                readHeaderBytes(b);
                headerLen = (b[0] & 0xff) | (b[1] & 0xff) << 8;
            } else if (major == 2 || major == 3) {
                byte[] b = new byte[4];
                readHeaderBytes(b);
                headerLen = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
                if (headerLen < 0 || headerLen > (1 << 20)) throw invalid("NPY header length " + headerLen + " is implausible");
            } else {
                throw invalid("unsupported NPY version " + major);
            }
            byte[] h = new byte[headerLen];
            readHeaderBytes(h);
            String header = new String(h, StandardCharsets.ISO_8859_1);
            Matcher d = DESCR.matcher(header), f = FORTRAN.matcher(header), s = SHAPE.matcher(header);
            if (!d.find() || !f.find() || !s.find()) throw invalid("unparseable NPY header: " + header.strip());
            this.dtype = Dtype.parse(d.group(1));
            this.fortranOrder = f.group(1).equals("True");
            String dims = s.group(1).strip();
            this.shape = dims.isEmpty() ? new long[0]
                    : Arrays.stream(dims.split(",")).map(String::strip).filter(x -> !x.isEmpty()).mapToLong(Long::parseLong).toArray();
        }

        public String file() {
            return file;
        }

        public String key() {
            return key;
        }

        public Dtype dtype() {
            return dtype;
        }

        public long[] shape() {
            return shape.clone();
        }

        public InvalidInputException invalid(String problem) {
            return new InvalidInputException(file, key, problem);
        }

        /** Fails unless elements are stored in C (row-major) order, which streaming image by image needs. */
        public void requireCOrder() throws InvalidInputException {
            if (fortranOrder) throw invalid("Fortran-ordered array; streaming needs C order (numpy.ascontiguousarray before saving)");
        }

        /** Fails unless the dtype is uint8. */
        public void requireUint8() throws InvalidInputException {
            if (dtype.kind() != 'u' || dtype.size() != 1)
                throw invalid("dtype " + dtype.descr() + ", expected uint8 (|u1)");
        }

        /**
         * Fails unless the shape matches; a negative expected dimension matches any size. The message shows the
         * expected shape with '*' for free dimensions.
         */
        public void requireShape(long... expected) throws InvalidInputException {
            boolean ok = expected.length == shape.length;
            for (int i = 0; ok && i < expected.length; i++) ok = expected[i] < 0 || expected[i] == shape[i];
            if (!ok) {
                var want = new StringBuilder("(");
                for (int i = 0; i < expected.length; i++) want.append(i > 0 ? ", " : "").append(expected[i] < 0 ? "*" : Long.toString(expected[i]));
                throw invalid("shape " + Arrays.toString(shape).replace('[', '(').replace(']', ')') + ", expected " + want + ")");
            }
        }

        /** Reads exactly {@code len} bytes of array data; running out is reported as a truncated array. */
        public void readFully(byte[] buf, int off, int len) throws InvalidInputException {
            int done = 0;
            try {
                while (done < len) {
                    int n = in.read(buf, off + done, len - done);
                    if (n < 0) break;
                    done += n;
                }
            } catch (IOException e) {
                throw new InvalidInputException(file, key, "read failed after " + (bytesRead + done) + " data bytes (corrupt archive?): " + e.getMessage(), e);
            }
            bytesRead += done;
            if (done < len) {
                long total = dtype.size();
                for (long d : shape) total *= d;
                throw invalid("truncated: the header declares shape " + Arrays.toString(shape) + " (" + total
                        + " data bytes) but the entry ends after " + bytesRead);
            }
        }

        /**
         * Reads a whole integer array into longs in C (row-major) order, whatever the stored order (for small
         * label arrays such as dSprites' latents_classes, which numpy may save Fortran-ordered).
         */
        public long[] readAllLongs() throws InvalidInputException {
            if (!dtype.isInteger()) throw invalid("dtype " + dtype.descr() + ", expected an integer type");
            long n = 1;
            for (long d : shape) n *= d;
            if (n > Integer.MAX_VALUE / 8) throw invalid("too large to hold in memory: " + n + " elements");
            byte[] raw = new byte[(int) n * dtype.size()];
            readFully(raw, 0, raw.length);
            ByteBuffer b = ByteBuffer.wrap(raw).order(dtype.order());
            long[] out = new long[(int) n];
            for (int i = 0; i < out.length; i++) {
                out[i] = switch (dtype.size()) {
                    case 1 -> dtype.kind() == 'i' ? b.get() : b.get() & 0xffL;
                    case 2 -> dtype.kind() == 'i' ? b.getShort() : b.getShort() & 0xffffL;
                    case 4 -> dtype.kind() == 'i' ? b.getInt() : b.getInt() & 0xffffffffL;
                    case 8 -> b.getLong();
                    default -> throw invalid("unsupported integer size " + dtype.size());
                };
            }
            return fortranOrder ? fortranToC(out, shape) : out;
        }

        static long[] fortranToC(long[] f, long[] shape) {
            int k = shape.length;
            long[] cStride = new long[k], fStride = new long[k];
            for (int i = k - 1, s = 1; i >= 0; s *= shape[i], i--) cStride[i] = s;
            for (int i = 0, s = 1; i < k; s *= shape[i], i++) fStride[i] = s;
            long[] out = new long[f.length];
            for (int c = 0; c < out.length; c++) {
                long rest = c, src = 0;
                for (int i = 0; i < k; i++) {
                    src += (rest / cStride[i]) * fStride[i];
                    rest %= cStride[i];
                }
                out[c] = f[(int) src];
            }
            return out;
        }

        private void readHeaderBytes(byte[] b) throws IOException {
            try {
                int done = 0;
                while (done < b.length) {
                    int n = in.read(b, done, b.length - done);
                    if (n < 0) throw new EOFException();
                    done += n;
                }
            } catch (EOFException e) {
                throw invalid("truncated NPY header");
            } catch (InvalidInputException e) {
                throw e;
            } catch (IOException e) {
                throw new InvalidInputException(file, key, "cannot read the NPY header (corrupt archive?): " + e.getMessage(), e);
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
