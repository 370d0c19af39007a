package org.factorlab.model;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.factorlab.provenance.Digests;
import org.factorlab.provenance.Provenance;
import org.factorlab.train.Checkpoint;

/**
 * The parent checkpoints of a model, read and verified: each is of the family its key asks for, and, when loading a
 * trained model, still has the SHA-256 recorded at training time. Frozen parameters come from here and are never
 * written into the child's checkpoints; the child's provenance lists each parent's URI, SHA-256 and provenance.
 */
public final class Parents {
    /** Reads a checkpoint's bytes by URI (a Hadoop FileSystem in the jobs, local files in tests). */
    @FunctionalInterface
    public interface Reader {
        byte[] read(String uri) throws IOException;
    }

    /** One loaded parent. */
    public record Parent(ParentRef ref, String sha256, Checkpoint checkpoint) {
        public Provenance.Parent lineage() {
            return new Provenance.Parent(ref.key(), ref.uri(), sha256, checkpoint.model(), checkpoint.provenance());
        }
    }

    private static final Parents NONE = new Parents(Map.of());
    private final Map<String, Parent> byKey;

    private Parents(Map<String, Parent> byKey) {
        this.byKey = Collections.unmodifiableMap(new LinkedHashMap<>(byKey));
    }

    public static Parents none() {
        return NONE;
    }

    /** Reads and checks the parents a config names (training: no recorded SHA-256 to compare with yet). */
    public static Parents load(List<ParentRef> refs, Reader reader) {
        Map<String, Parent> m = new LinkedHashMap<>();
        for (ParentRef r : refs) m.put(r.key(), read(r, reader, null));
        return new Parents(m);
    }

    /** Reads the parents recorded in a trained model's provenance, checking that none has changed since. */
    public static Parents ofLineage(List<Provenance.Parent> lineage, Reader reader) {
        Map<String, Parent> m = new LinkedHashMap<>();
        for (Provenance.Parent p : lineage) m.put(p.key(), read(new ParentRef(p.key(), p.uri(), p.family()), reader, p.sha256()));
        return new Parents(m);
    }

    /** Parents already in memory (e.g. shipped to a Spark executor as bytes). */
    public static Parents ofBytes(List<ParentRef> refs, Map<String, byte[]> bytesByKey) {
        return load(refs, uri -> {
            for (ParentRef r : refs)
                if (r.uri().equals(uri)) return bytesByKey.get(r.key());
            throw new IOException("not shipped: " + uri);
        });
    }

    private static Parent read(ParentRef ref, Reader reader, String expectedSha) {
        byte[] bytes;
        try {
            bytes = reader.read(ref.uri());
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalArgumentException(ref.key() + ": cannot read parent checkpoint " + ref.uri() + " (" + e.getMessage() + ")", e);
        }
        if (bytes == null) throw new IllegalArgumentException(ref.key() + ": no parent checkpoint at " + ref.uri());
        String sha = Digests.sha256Hex(bytes);
        if (expectedSha != null && !expectedSha.equals(sha))
            throw new IllegalArgumentException(ref.key() + ": parent checkpoint " + ref.uri() + " has changed since this model was trained "
                    + "(SHA-256 " + sha + ", recorded " + expectedSha + ")");
        Checkpoint c;
        try {
            c = Checkpoint.read(new ByteArrayInputStream(bytes), ref.uri());
        } catch (IOException e) {
            throw new IllegalArgumentException(ref.key() + ": " + e.getMessage(), e);
        }
        if (!ref.family().equals(c.model()))
            throw new IllegalArgumentException(ref.key() + ": " + ref.uri() + " is a '" + c.model() + "' checkpoint; this model needs a '"
                    + ref.family() + "' one");
        return new Parent(ref, sha, c);
    }

    public boolean isEmpty() {
        return byKey.isEmpty();
    }

    /** The parent under a config key. */
    public Parent get(String key) {
        Parent p = byKey.get(key);
        if (p == null) throw new IllegalArgumentException(key + ": no parent checkpoint was loaded for this key");
        return p;
    }

    public List<Parent> all() {
        return List.copyOf(byKey.values());
    }

    /** Each parent's lineage, for the child's provenance. */
    public List<Provenance.Parent> lineage() {
        List<Provenance.Parent> out = new ArrayList<>();
        for (Parent p : byKey.values()) out.add(p.lineage());
        return out;
    }

    /** The SHA-256 of every parent in key order, joined: part of a session cache key. */
    public String fingerprint() {
        StringBuilder sb = new StringBuilder();
        for (Parent p : byKey.values()) sb.append(p.ref().key()).append('=').append(p.sha256()).append(';');
        return sb.toString();
    }
}
