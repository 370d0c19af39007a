package org.factorlab.shards;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import org.factorlab.ingest.Example;

/**
 * SHA-256 over what a shard holds, not how Parquet laid it out: for each row in stored order its index (int64), its
 * factor classes and attributes (int32 each), its image bytes and, in latent shards, its latent (float32), all
 * big-endian. Parquet files of the same rows are
 * not byte-identical across JVMs (parquet-mr writes each column's encoding list from a hash set whose order depends
 * on the JVM), so datasets are compared by this digest; the per-file SHA-256 stays for corruption checks.
 *
 * <p>The dataset's digest ({@link Manifest#contentSha256()}) is the SHA-256 of the shards' content digests (hex,
 * one per line, in shard order).
 */
public final class ContentDigest {
    private final MessageDigest digest = org.factorlab.provenance.Digests.sha256();
    private final ByteBuffer header = ByteBuffer.allocate(8 + 4 * 256);

    /** Adds one row. */
    public void add(long index, int[] factors, int[] attributes, byte[] image) {
        header.clear();
        header.putLong(index);
        digest.update(header.array(), 0, 8);
        for (int f : factors) putInt(f);
        for (int a : attributes) putInt(a);
        digest.update(image);
    }

    /** Adds one latent-shard row: the image row, then its latent as big-endian float32 bits. */
    public void add(long index, int[] factors, int[] attributes, byte[] image, float[] latent) {
        add(index, factors, attributes, image);
        if (latent == null) return;
        ByteBuffer b = ByteBuffer.allocate(4 * latent.length);
        for (float v : latent) b.putFloat(v);
        digest.update(b.array());
    }

    /** Adds one spilled row (the spill record has the same field order as the digest). */
    void add(SpilledRows rows, int offset) {
        digest.update(rows.data, offset, rows.rowBytes);
    }

    private void putInt(int v) {
        header.clear();
        header.putInt(v);
        digest.update(header.array(), 0, 4);
    }

    /** The digest (lower-case hex); the object cannot be used afterwards. */
    public String hex() {
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Content digest of a run of examples in stored order (e.g. {@link ShardDataset#examples} of one shard). */
    public static String of(Iterator<Example> rows) {
        ContentDigest d = new ContentDigest();
        while (rows.hasNext()) {
            Example e = rows.next();
            d.add(e.index(), e.factors(), e.attributes(), e.image(), e.latent());
        }
        return d.hex();
    }

    /** The dataset digest from its shards' content digests (null if any shard lacks one: an older manifest). */
    public static String ofShards(List<Manifest.Shard> shards) {
        var sb = new StringBuilder();
        for (Manifest.Shard s : shards) {
            if (s.contentSha256() == null) return null;
            sb.append(s.contentSha256()).append('\n');
        }
        return Manifest.sha256Hex(sb.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
