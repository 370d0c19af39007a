package org.factorlab.shards;

import java.io.ByteArrayInputStream;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

/** A Parquet file held in memory: a shard is read once, checksummed, then decoded from the same bytes. */
final class MemoryInputFile implements InputFile {
    private final byte[] bytes;

    MemoryInputFile(byte[] bytes) {
        this.bytes = bytes;
    }

    @Override
    public long getLength() {
        return bytes.length;
    }

    @Override
    public SeekableInputStream newStream() {
        var in = new SeekableBytes(bytes);
        return new DelegatingSeekableInputStream(in) {
            @Override
            public long getPos() {
                return in.position();
            }

            @Override
            public void seek(long newPos) {
                in.seek((int) newPos);
            }
        };
    }

    private static final class SeekableBytes extends ByteArrayInputStream {
        SeekableBytes(byte[] buf) {
            super(buf);
        }

        int position() {
            return pos;
        }

        void seek(int p) {
            if (p < 0 || p > count) throw new IllegalArgumentException("seek to " + p + " outside [0, " + count + "]");
            pos = p;
        }
    }
}
