package org.factorlab.spark;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.factorlab.model.ParentRef;
import org.factorlab.model.Parents;

/**
 * The parent checkpoints of a training job as bytes, read once on the driver and broadcast once per job (never per
 * round); each executor turns them into {@link Parents} when it builds its session.
 */
public record ParentBytes(List<ParentRef> refs, Map<String, byte[]> bytesByKey) {
    static final ParentBytes NONE = new ParentBytes(List.of(), Map.of());

    static ParentBytes read(List<ParentRef> refs, Configuration conf) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        Parents.Reader reader = reader(conf);
        for (ParentRef r : refs) {
            try {
                m.put(r.key(), reader.read(r.uri()));
            } catch (IOException e) {
                throw new IllegalArgumentException(r.key() + ": cannot read parent checkpoint " + r.uri() + " (" + e.getMessage() + ")", e);
            }
        }
        return new ParentBytes(refs, m);
    }

    Parents parents() {
        return refs.isEmpty() ? Parents.none() : Parents.ofBytes(refs, bytesByKey);
    }

    /** Reads a whole file by Hadoop FileSystem URI or local path. */
    public static Parents.Reader reader(Configuration conf) {
        return uri -> {
            Path p = new Path(uri.contains("://") || uri.startsWith("file:") ? java.net.URI.create(uri) : java.nio.file.Path.of(uri).toAbsolutePath().toUri());
            try (InputStream in = p.getFileSystem(conf == null ? new Configuration() : conf).open(p)) {
                return in.readAllBytes();
            } catch (java.io.FileNotFoundException e) {
                throw new IOException("no such file", e);
            }
        };
    }
}
