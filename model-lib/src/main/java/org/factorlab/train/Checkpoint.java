package org.factorlab.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.factorlab.provenance.Provenance;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A trained (or training) model on disk: model name, training state, EMA parameters and provenance, as one zip.
 * Single-machine training and the Spark job write the same format; callers write to a temporary name and rename.
 */
public record Checkpoint(String model, TrainingState state, Map<String, INDArray> ema, Provenance provenance) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String META = "checkpoint.json";
    private static final String CONFIG = "config.yaml";
    private static final String PARAMS = "params/";
    private static final String UPDATER = "updater/";
    private static final String EMA = "ema/";

    public Checkpoint {
        ema = ema == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(ema));
    }

    /** The parameters to use for inference: EMA where present, otherwise the raw ones. */
    public Map<String, INDArray> inferenceParameters() {
        return ema.isEmpty() ? state.parameters() : ema;
    }

    public void write(OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        ObjectNode meta = JSON.createObjectNode();
        meta.put("format", 1);
        meta.put("model", model);
        meta.put("step", state.step());
        meta.set("provenance", JSON.valueToTree(provenance));
        put(zip, META, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
        put(zip, CONFIG, provenance.configText().getBytes(StandardCharsets.UTF_8));
        writeArrays(zip, PARAMS, state.parameters());
        writeArrays(zip, UPDATER, state.updaterState());
        writeArrays(zip, EMA, ema);
        zip.finish();
        zip.flush();
    }

    public static Checkpoint read(InputStream in, String nameForErrors) throws IOException {
        var params = new LinkedHashMap<String, INDArray>();
        var updater = new LinkedHashMap<String, INDArray>();
        var ema = new LinkedHashMap<String, INDArray>();
        ObjectNode meta = null;
        try (ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                String n = e.getName();
                if (n.equals(META)) meta = (ObjectNode) JSON.readTree(zip.readAllBytes());
                else if (n.startsWith(PARAMS)) params.put(n.substring(PARAMS.length()), readArray(zip));
                else if (n.startsWith(UPDATER)) updater.put(n.substring(UPDATER.length()), readArray(zip));
                else if (n.startsWith(EMA)) ema.put(n.substring(EMA.length()), readArray(zip));
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException(nameForErrors + ": not a readable Factorlab checkpoint (" + e.getMessage() + ")", e);
        }
        if (meta == null) throw new IOException(nameForErrors + ": checkpoint has no " + META);
        if (meta.path("format").asInt() != 1)
            throw new IOException(nameForErrors + " [format]: unsupported checkpoint format " + meta.path("format"));
        Provenance prov = JSON.treeToValue(meta.get("provenance"), Provenance.class);
        return new Checkpoint(meta.path("model").asText(), new TrainingState(meta.path("step").asLong(), params, updater),
                ema, prov);
    }

    public byte[] toBytes() throws IOException {
        var bytes = new ByteArrayOutputStream();
        write(bytes);
        return bytes.toByteArray();
    }

    private static void put(ZipOutputStream zip, String name, byte[] data) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(data);
        zip.closeEntry();
    }

    private static void writeArrays(ZipOutputStream zip, String prefix, Map<String, INDArray> arrays) throws IOException {
        for (var e : arrays.entrySet()) {
            // Arrays are STORED, not deflated: float weights barely compress, and deflate ran at ~4 MB/s here,
            // which made checkpoints cost seconds per round.
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(bytes, 1 << 16));
            Nd4j.write(e.getValue(), out);
            out.flush();
            byte[] b = bytes.toByteArray();
            CRC32 crc = new CRC32();
            crc.update(b);
            ZipEntry entry = new ZipEntry(prefix + e.getKey());
            entry.setMethod(ZipEntry.STORED);
            entry.setSize(b.length);
            entry.setCompressedSize(b.length);
            entry.setCrc(crc.getValue());
            zip.putNextEntry(entry);
            zip.write(b);
            zip.closeEntry();
        }
    }

    private static INDArray readArray(InputStream in) throws IOException {
        // Buffered: Nd4j.read asks for 4 bytes at a time. The zip stream ends with the entry, so read-ahead stays
        // within this array (and the buffer is never closed, so the zip stream stays open).
        return Nd4j.read(new DataInputStream(new BufferedInputStream(in, 1 << 16)));
    }
}
