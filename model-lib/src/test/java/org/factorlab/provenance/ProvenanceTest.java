package org.factorlab.provenance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProvenanceTest {
    @Test
    void librariesAreListedInSortedOrder() throws Exception {
        var libs = new LinkedHashMap<String, String>();
        for (String k : List.of("spark", "nd4j", "zstd-jni", "hadoop", "java", "parquet", "jackson", "picocli", "arrow", "kryo"))
            libs.put(k, "1.0");
        Provenance p = new Provenance("c", 1, null, "v", libs, "2026-01-01T00:00:00Z", null, List.of());
        List<String> sorted = new ArrayList<>(libs.keySet());
        sorted.sort(null);
        assertEquals(sorted, new ArrayList<>(p.libraries().keySet()));
        // as checkpoint.json writes it: a plain mapper, no key ordering of its own
        var json = new ObjectMapper().valueToTree(p).get("libraries");
        var names = new ArrayList<String>();
        json.fieldNames().forEachRemaining(names::add);
        assertEquals(sorted, names);
        List<String> current = new ArrayList<>(Provenance.of("c", 1, null).libraries().keySet());
        assertEquals(current.stream().sorted().toList(), current);
    }
}
