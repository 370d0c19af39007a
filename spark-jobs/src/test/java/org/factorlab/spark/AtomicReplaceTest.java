package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicReplaceTest {
    @TempDir
    Path tmp;

    @Test
    void replacingAFileWrittenWithAChecksumLeavesItReadableWithoutOne() throws Exception {
        LocalFileSystem fs = FileSystem.getLocal(new Configuration());
        var target = new org.apache.hadoop.fs.Path(tmp.resolve("history.csv").toUri());
        try (OutputStream out = fs.create(target, true)) {
            out.write("old\n".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(true, Files.exists(tmp.resolve(".history.csv.crc")));
        var t = new org.apache.hadoop.fs.Path(tmp.resolve(".history.csv.tmp").toUri());
        try (OutputStream out = AtomicReplace.writer(fs).create(t, true)) {
            out.write("new, longer text\n".getBytes(StandardCharsets.UTF_8));
        }
        AtomicReplace.replace(fs, t, target);
        assertFalse(Files.exists(tmp.resolve(".history.csv.crc")), "the old version's checksum is gone");
        assertFalse(Files.exists(tmp.resolve(".history.csv.tmp")));
        try (InputStream in = fs.open(target)) {
            assertEquals("new, longer text\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
