package org.factorlab.shards;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.Factor;
import org.factorlab.data.ImageShape;
import org.factorlab.data.LatentSpec;
import org.factorlab.ingest.InvalidInputException;
import org.factorlab.provenance.Digests;
import org.factorlab.provenance.Provenance;

/**
 * The manifest of a shard dataset, {@value #FILE_NAME} in the dataset directory, written last: a dataset without
 * one does not exist. It names the dataset, its factors (names, sizes, stored values), attributes, image shape,
 * row count, shuffle seed, each shard (file name, rows, bytes, SHA-256) and the provenance of the write. Latent
 * shards ({@code factorlab encode-latents}) add {@code latent}: the latent's shape and its lineage (the first-stage
 * checkpoint's SHA-256, the source shards' manifest SHA-256); image-only manifests leave it out.
 */
@JsonPropertyOrder({"format", "formatVersion", "dataset", "factors", "attributes", "imageShape", "rows", "shardCount", "rowsPerShard",
        "shuffleSeed", "compression", "shards", "contentSha256", "latent", "provenance"})
public record Manifest(String format, int formatVersion, String dataset, List<Factor> factors, List<String> attributes,
                      ImageShape imageShape, long rows, int shardCount, long rowsPerShard, long shuffleSeed, String compression,
                      List<Shard> shards, String contentSha256,
                      @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) LatentSpec latent,
                      Provenance provenance) {
    public static final String FILE_NAME = "_manifest.json";
    public static final String FORMAT = "factorlab-shards";
    public static final int FORMAT_VERSION = 1;
    public static final String COMPRESSION = "zstd";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * One shard file: its name relative to the dataset directory, row count, size in bytes, SHA-256 of the file (hex,
     * for corruption checks) and SHA-256 of its rows ({@link ContentDigest}; null in manifests written before it
     * existed).
     */
    @JsonPropertyOrder({"file", "rows", "bytes", "sha256", "contentSha256"})
    public record Shard(String file, long rows, long bytes, String sha256, String contentSha256) {
        public Shard(String file, long rows, long bytes, String sha256) {
            this(file, rows, bytes, sha256, null);
        }

        /** Same file name and rows: by content digest when both have one, else by file bytes. */
        public boolean sameContent(Shard o) {
            if (o == null || !Objects.equals(file, o.file) || rows != o.rows) return false;
            if (contentSha256 != null && o.contentSha256 != null) return contentSha256.equals(o.contentSha256);
            return bytes == o.bytes && Objects.equals(sha256, o.sha256);
        }
    }

    /** An image-only manifest. */
    public Manifest(String format, int formatVersion, String dataset, List<Factor> factors, List<String> attributes,
                    ImageShape imageShape, long rows, int shardCount, long rowsPerShard, long shuffleSeed, String compression,
                    List<Shard> shards, String contentSha256, Provenance provenance) {
        this(format, formatVersion, dataset, factors, attributes, imageShape, rows, shardCount, rowsPerShard, shuffleSeed, compression,
                shards, contentSha256, null, provenance);
    }

    public Manifest {
        factors = factors == null ? List.of() : List.copyOf(factors);
        attributes = attributes == null ? List.of() : List.copyOf(attributes);
        shards = shards == null ? List.of() : List.copyOf(shards);
    }

    /** The dataset the shards hold. */
    @JsonIgnore
    public DatasetSpec spec() {
        return new DatasetSpec(dataset, factors, imageShape, attributes, latent);
    }

    /**
     * Whether two manifests describe the same stored data (same spec, rows, shuffle and shard contents); provenance
     * (who wrote it, when) does not count, and neither do the shard files' bytes when both manifests carry content
     * digests (Parquet files of equal rows may differ byte-wise between JVMs, see {@link ContentDigest}).
     */
    public boolean sameDataset(Manifest o) {
        if (o == null || !Objects.equals(format, o.format) || formatVersion != o.formatVersion
                || !spec().equals(o.spec()) || rows != o.rows || shardCount != o.shardCount || rowsPerShard != o.rowsPerShard
                || shuffleSeed != o.shuffleSeed || !Objects.equals(compression, o.compression) || shards.size() != o.shards.size())
            return false;
        for (int i = 0; i < shards.size(); i++) if (!shards.get(i).sameContent(o.shards.get(i))) return false;
        return true;
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise manifest of " + dataset, e);
        }
    }

    /** SHA-256 (hex) of this manifest serialised as JSON (for a dataset on disk use {@link ShardDataset#manifestSha256()}). */
    public String sha256() {
        return sha256Hex(toJson());
    }

    /** Reads and validates {@code dir/_manifest.json}; a missing manifest means no dataset. */
    public static Manifest read(FileSystem fs, Path dir) throws IOException {
        return parse(readBytes(fs, dir), new Path(dir, FILE_NAME).toString());
    }

    /** The raw bytes of {@code dir/_manifest.json}; a missing manifest means no dataset. */
    static byte[] readBytes(FileSystem fs, Path dir) throws IOException {
        Path file = new Path(dir, FILE_NAME);
        if (!fs.exists(file))
            throw new MissingDatasetException("no dataset at " + dir + ": " + FILE_NAME
                    + " is missing (never written, or the write did not complete)");
        try (InputStream in = fs.open(file)) {
            return in.readAllBytes();
        }
    }

    public static Manifest parse(byte[] json, String where) throws InvalidInputException {
        Manifest m;
        try {
            m = JSON.readValue(json, Manifest.class);
        } catch (JsonMappingException e) {
            String field = e.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b).orElse("");
            Throwable root = e.getCause() != null ? e.getCause() : e;
            throw new InvalidInputException(where, field, "invalid manifest: " + root.getMessage(), e);
        } catch (IOException e) {
            throw new InvalidInputException(where, "", "manifest is not valid JSON: " + e.getMessage(), e);
        }
        m.validate(where);
        return m;
    }

    private void validate(String where) throws InvalidInputException {
        if (!FORMAT.equals(format)) throw new InvalidInputException(where, "format", "expected '" + FORMAT + "', got '" + format + "'");
        if (formatVersion != FORMAT_VERSION)
            throw new InvalidInputException(where, "formatVersion", "unsupported version " + formatVersion + " (this build reads " + FORMAT_VERSION + ")");
        if (dataset == null || dataset.isBlank()) throw new InvalidInputException(where, "dataset", "missing");
        if (imageShape == null) throw new InvalidInputException(where, "imageShape", "missing");
        if (!COMPRESSION.equals(compression)) throw new InvalidInputException(where, "compression", "expected zstd, got " + compression);
        if (rows < 1) throw new InvalidInputException(where, "rows", "must be positive, got " + rows);
        if (rowsPerShard < 1) throw new InvalidInputException(where, "rowsPerShard", "must be positive, got " + rowsPerShard);
        if (shards.isEmpty()) throw new InvalidInputException(where, "shards", "no shards listed");
        if (shardCount != shards.size())
            throw new InvalidInputException(where, "shardCount", shardCount + " but " + shards.size() + " shards are listed");
        try {
            spec();
            ShardSchema.of(spec());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(where, "factors", e.getMessage(), e);
        }
        if (!factors.isEmpty() && rows > org.factorlab.data.FactorGrid.of(factors).count())
            throw new InvalidInputException(where, "rows", rows + " rows but the factor grid has only " + org.factorlab.data.FactorGrid.of(factors).count() + " points");
        long sum = 0;
        var names = new java.util.HashSet<String>();
        for (int i = 0; i < shards.size(); i++) {
            Shard s = shards.get(i);
            String f = "shards[" + i + "]";
            if (s == null || s.file() == null || s.file().isBlank() || s.file().contains("/") || s.file().startsWith(".") || s.file().startsWith("_"))
                throw new InvalidInputException(where, f + ".file", "not a plain shard file name: " + (s == null ? null : s.file()));
            if (!names.add(s.file())) throw new InvalidInputException(where, f + ".file", "listed twice: " + s.file());
            if (s.rows() < 1) throw new InvalidInputException(where, f + ".rows", "must be positive, got " + s.rows());
            if (s.bytes() < 1) throw new InvalidInputException(where, f + ".bytes", "must be positive, got " + s.bytes());
            if (s.sha256() == null || !s.sha256().matches("[0-9a-f]{64}"))
                throw new InvalidInputException(where, f + ".sha256", "not a lower-case hex SHA-256: " + s.sha256());
            if (s.contentSha256() != null && !s.contentSha256().matches("[0-9a-f]{64}"))
                throw new InvalidInputException(where, f + ".contentSha256", "not a lower-case hex SHA-256: " + s.contentSha256());
            sum += s.rows();
        }
        if (sum != rows) throw new InvalidInputException(where, "rows", rows + " rows but the shards hold " + sum);
        if (contentSha256 != null && !contentSha256.equals(ContentDigest.ofShards(shards)))
            throw new InvalidInputException(where, "contentSha256", "does not match the shards' content digests");
    }

    static String sha256Hex(byte[] bytes) {
        return Digests.sha256Hex(bytes);
    }
}
