package org.factorlab.spark;

import java.io.IOException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * Replaces a file by a finished temporary file so that every crash point leaves either the old or the new version.
 *
 * <p>Hadoop's local file system is a checksum file system: a rename over an existing file deletes the target, renames
 * the data, then renames its hidden {@code .crc} file, as separate steps. A kill between them leaves no file, or data
 * whose {@code .crc} belongs to the previous version (every later read then fails with a checksum error). On the
 * local disk files are therefore written through the raw file system (no {@code .crc}) and renamed with one
 * {@code rename(2)}, which replaces the target atomically; a {@code .crc} left by an older version is removed first,
 * so at worst the old data is left without a checksum file. Elsewhere (HDFS) {@code FileContext.rename(OVERWRITE)}
 * is atomic.
 */
public final class AtomicReplace {
    private AtomicReplace() {
    }

    /** The file system to write temporary files through: the raw one for the local disk, else {@code fs} itself. */
    public static FileSystem writer(FileSystem fs) {
        return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
    }

    /** Renames {@code tmp} (written through {@link #writer}) over {@code target}. */
    public static void replace(FileSystem fs, Path tmp, Path target) throws IOException {
        if (fs instanceof LocalFileSystem local) {
            FileSystem raw = local.getRawFileSystem();
            Path crc = local.getChecksumFile(target);
            if (raw.exists(crc)) raw.delete(crc, false);
            if (!raw.rename(tmp, target)) throw new IOException("cannot rename " + tmp + " to " + target);
            return;
        }
        FileContext.getFileContext(fs.getUri(), fs.getConf()).rename(tmp, target, Options.Rename.OVERWRITE);
    }
}
