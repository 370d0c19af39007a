package org.factorlab.render;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.data.Batch;
import org.factorlab.data.BatchSource;
import org.factorlab.ingest.Example;
import org.factorlab.shards.Manifest;
import org.factorlab.shards.ShardDataset;
import org.factorlab.shards.ShardWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RenderRoundTripTest {
    @TempDir
    Path tmp;

    @Test
    void renderToShardsAndBackGivesTheSameBytesAndFactors() throws Exception {
        var keep = FactorRestriction.parse(new Shapes3DRenderer(16).spec(),
                List.of("floor_hue=0,5", "wall_hue=2,9", "object_hue=1,4,7", "scale=0,7", "orientation=0,7,14"));
        Shapes3DRenderer r = new Shapes3DRenderer(16, 2, keep, 2);
        var opts = ShardWriter.Options.defaults().withSeed(3).withRowsPerShard(50).withThreads(2);
        Manifest m = ShardWriter.write(r, tmp.resolve("s3").toUri(), opts, new Configuration(), "render test");
        assertEquals(r.count(), m.rows());
        assertEquals(2 * 2 * 3 * 2 * 4 * 3, m.rows());
        assertEquals(r.spec(), m.spec());
        ShardDataset ds = ShardDataset.open(tmp.resolve("s3").toUri(), new Configuration());
        ds.verify();
        Set<Long> seen = new HashSet<>();
        for (var it = ds.examples(ds.all()); it.hasNext(); ) {
            Example e = it.next();
            assertArrayEquals(r.spec().grid().classes(e.index()), e.factors());
            assertArrayEquals(r.image(e.factors()), e.image(), "index " + e.index());
            seen.add(e.index());
        }
        assertEquals(m.rows(), seen.size());
        try (BatchSource src = ds.batches(8, 1)) {
            Batch b = src.next();
            assertArrayEquals(new long[]{8, 3, 16, 16}, b.images().shape());
            assertTrue(b.images().minNumber().doubleValue() >= -1 && b.images().maxNumber().doubleValue() <= 1);
            byte[] want = r.image(b.factors()[0]);
            assertEquals((want[0] & 0xFF) / 127.5 - 1, b.images().getDouble(0, 0, 0, 0), 1e-6);
        }
        assertEquals("render test", m.provenance().configText());
    }

    @Test
    void renderCommandWritesTheRequestedGrid() throws Exception {
        Path out = tmp.resolve("cli");
        int rc = new CommandLine(new RenderCommand()).execute("dsprites", "--output", out.toUri().toString(), "--size", "32",
                "--factor", "orientation=0,20", "--factor", "pos_x=0,8,16,24", "--factor", "pos_y=3", "--seed", "9",
                "--sheet", tmp.resolve("sheet.png").toString());
        assertEquals(0, rc);
        Manifest m = ShardDataset.open(out.toUri(), new Configuration()).manifest();
        assertArrayEquals(new int[]{1, 3, 6, 2, 4, 1}, m.spec().factorSizes());
        assertEquals(9, m.shuffleSeed());
        assertEquals(32, m.imageShape().height());
        assertTrue(m.provenance().configText().contains("--factor pos_y=3"));
        assertTrue(Files.size(tmp.resolve("sheet.png")) > 100);
        // the same command again succeeds and keeps the dataset
        assertEquals(0, new CommandLine(new RenderCommand()).execute("dsprites", "--output", out.toUri().toString(), "--size", "32",
                "--factor", "orientation=0,20", "--factor", "pos_x=0,8,16,24", "--factor", "pos_y=3", "--seed", "9"));
        assertEquals(m, ShardDataset.open(out.toUri(), new Configuration()).manifest());
        // a different render into the same path is refused
        assertNotEquals(0, new CommandLine(new RenderCommand()).execute("dsprites", "--output", out.toUri().toString(), "--size", "32",
                "--factor", "orientation=0,20", "--seed", "9"));
    }
}
