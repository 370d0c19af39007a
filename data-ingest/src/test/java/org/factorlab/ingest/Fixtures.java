package org.factorlab.ingest;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The committed raw-format fixtures (written by src/test/python/make_fixtures.py). */
final class Fixtures {
    private Fixtures() {
    }

    static Path path(String relative) {
        try {
            var url = Fixtures.class.getResource("/fixtures/" + relative);
            if (url == null) throw new IllegalStateException("missing fixture " + relative + "; run make_fixtures.py");
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A small committed .npy (expected values the generator computed). */
    static Npz.Entry npy(String relative) throws IOException {
        Path p = path(relative);
        return new Npz.Entry(p.toString(), p.getFileName().toString(), new BufferedInputStream(Files.newInputStream(p)));
    }

    static long[] npyLongs(String relative) throws IOException {
        try (var e = npy(relative)) {
            return e.readAllLongs();
        }
    }

    static byte[] npyBytes(String relative) throws IOException {
        try (var e = npy(relative)) {
            long n = 1;
            for (long d : e.shape()) n *= d;
            byte[] out = new byte[(int) n];
            e.readFully(out, 0, out.length);
            return out;
        }
    }

    /** Every example a reader produces, in delivery order. */
    static List<Example> readAll(RawReader reader) {
        var out = Collections.synchronizedList(new ArrayList<Example>());
        try {
            reader.read(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static int pixel(byte[] img, int width, int channels, int y, int x, int c) {
        return img[(y * width + x) * channels + c] & 0xff;
    }
}
