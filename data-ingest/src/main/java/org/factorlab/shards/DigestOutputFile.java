package org.factorlab.shards;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/** A Parquet output file on a Hadoop FileSystem that computes the SHA-256 of what it writes, so no re-read is needed. */
final class DigestOutputFile implements OutputFile {
    private final FileSystem fs;
    private final Path path;
    private final MessageDigest digest = org.factorlab.provenance.Digests.sha256();
    private long length = -1;
    private String sha256;

    DigestOutputFile(FileSystem fs, Path path) {
        this.fs = fs;
        this.path = path;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) throws IOException {
        return open(false);
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
        return open(true);
    }

    private PositionOutputStream open(boolean overwrite) throws IOException {
        FSDataOutputStream raw = fs.create(path, overwrite);
        return new PositionOutputStream() {
            private long pos;

            @Override
            public long getPos() {
                return pos;
            }

            @Override
            public void write(int b) throws IOException {
                raw.write(b);
                digest.update((byte) b);
                pos++;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                raw.write(b, off, len);
                digest.update(b, off, len);
                pos += len;
            }

            @Override
            public void flush() throws IOException {
                raw.flush();
            }

            @Override
            public void close() throws IOException {
                raw.close();
                length = pos;
            }
        };
    }

    @Override
    public boolean supportsBlockSize() {
        return false;
    }

    @Override
    public long defaultBlockSize() {
        return 0;
    }

    @Override
    public String getPath() {
        return path.toString();
    }

    /** Hex SHA-256 of the closed file. */
    String sha256() {
        if (length < 0) throw new IllegalStateException(path + " is not closed yet");
        if (sha256 == null) sha256 = HexFormat.of().formatHex(digest.digest());
        return sha256;
    }

    long length() {
        return length;
    }
}
