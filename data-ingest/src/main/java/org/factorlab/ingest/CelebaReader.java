package org.factorlab.ingest;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.KnownDataset;

/**
 * CelebA's aligned set: {@code img_align_celeba/*.jpg} (178x218), {@code list_attr_celeba.txt} (image count,
 * the 40 attribute names, then one line per image with +-1 values; runs of spaces and CRLF line ends are
 * accepted) and {@code list_eval_partition.txt} ({@code file split}). Each image is cropped
 * ({@link CelebaCrop}) and area-averaged to 64x64; attributes become 0/1 columns followed by the split.
 * JPEGs are decoded in parallel; examples are delivered in attribute-file order with index = line order.
 */
public final class CelebaReader implements RawReader {
    static final String IMAGE_DIR = "img_align_celeba";
    static final String ATTR_FILE = "list_attr_celeba.txt";
    static final String PARTITION_FILE = "list_eval_partition.txt";
    static final int WIDTH = 178, HEIGHT = 218;
    private static final int BATCH = 64;

    private final Path folder;
    private final List<String> names = new ArrayList<>();
    private final List<int[]> attributes = new ArrayList<>();
    private final DatasetSpec spec = KnownDataset.CELEBA.spec();
    private final AreaResize resize;
    private final int threads;

    public CelebaReader(Path folder, ReadOptions options) throws InvalidInputException {
        this.folder = folder;
        this.threads = options.threads();
        CelebaCrop crop = options.celebaCrop();
        this.resize = new AreaResize(HEIGHT, WIDTH, 3, crop.x0, crop.y0, crop.size, crop.size, 64, 64);
        Path imageDir = folder.resolve(IMAGE_DIR);
        if (!Files.isDirectory(imageDir)) throw new InvalidInputException(imageDir.toString(), "", "no such folder (expected CelebA's aligned images)");
        Map<String, Integer> split = readPartition(folder.resolve(PARTITION_FILE));
        readAttributes(folder.resolve(ATTR_FILE), split);
        for (String n : names)
            if (!Files.isRegularFile(imageDir.resolve(n)))
                throw new InvalidInputException(imageDir.resolve(n).toString(), "", "missing image listed in " + ATTR_FILE);
    }

    private static List<String> lines(Path p) throws InvalidInputException {
        if (!Files.isRegularFile(p)) throw new InvalidInputException(p.toString(), "", "no such file");
        try {
            // String.lines() splits on \n, \r\n and \r alike
            var out = new ArrayList<>(Files.readString(p, StandardCharsets.ISO_8859_1).lines().toList());
            while (!out.isEmpty() && out.get(out.size() - 1).isBlank()) out.remove(out.size() - 1);
            return out;
        } catch (IOException e) {
            throw new InvalidInputException(p.toString(), "", "cannot read: " + e.getMessage(), e);
        }
    }

    private static Map<String, Integer> readPartition(Path p) throws InvalidInputException {
        var split = new HashMap<String, Integer>();
        List<String> lines = lines(p);
        for (int i = 0; i < lines.size(); i++) {
            String[] t = lines.get(i).strip().split("\\s+");
            String where = "line " + (i + 1);
            if (t.length != 2) throw new InvalidInputException(p.toString(), where, t.length + " columns, expected 2 (file name, split)");
            if (!t[1].matches("[012]")) throw new InvalidInputException(p.toString(), where + ", column 2", "split '" + t[1] + "', expected 0, 1 or 2");
            if (split.put(t[0], Integer.parseInt(t[1])) != null)
                throw new InvalidInputException(p.toString(), where, "file " + t[0] + " is listed twice");
        }
        return split;
    }

    private void readAttributes(Path p, Map<String, Integer> split) throws InvalidInputException {
        String file = p.toString();
        List<String> lines = lines(p);
        if (lines.size() < 2) throw new InvalidInputException(file, "line " + (lines.size() + 1), "missing the image count or the attribute names");
        long declared;
        try {
            declared = Long.parseLong(lines.get(0).strip());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(file, "line 1", "'" + lines.get(0).strip() + "' is not the image count");
        }
        String[] header = lines.get(1).strip().split("\\s+");
        List<String> expected = KnownDataset.CELEBA_ATTRIBUTES;
        if (header.length != expected.size())
            throw new InvalidInputException(file, "line 2", header.length + " attribute names, expected " + expected.size());
        for (int k = 0; k < header.length; k++)
            if (!header[k].equals(expected.get(k)))
                throw new InvalidInputException(file, "line 2, column " + (k + 1), "attribute '" + header[k] + "', expected '" + expected.get(k) + "'");
        int k = expected.size();
        for (int i = 2; i < lines.size(); i++) {
            String where = "line " + (i + 1);
            String[] t = lines.get(i).strip().split("\\s+");
            if (t.length != k + 1)
                throw new InvalidInputException(file, where, t.length + " columns, expected " + (k + 1) + " (file name and " + k + " attributes)");
            int[] row = new int[k + 1];
            for (int j = 0; j < k; j++) {
                String v = t[j + 1];
                if (v.equals("1")) row[j] = 1;
                else if (!v.equals("-1"))
                    throw new InvalidInputException(file, where + ", column " + (j + 2) + " (" + expected.get(j) + ")", "value '" + v + "', expected 1 or -1");
            }
            Integer s = split.get(t[0]);
            if (s == null) throw new InvalidInputException(folder.resolve(PARTITION_FILE).toString(), t[0], "no split for " + t[0] + " (" + ATTR_FILE + " " + where + ")");
            row[k] = s;
            names.add(t[0]);
            attributes.add(row);
        }
        if (declared != names.size())
            throw new InvalidInputException(file, "line 1", "declares " + declared + " images but lists " + names.size());
        if (split.size() != names.size())
            throw new InvalidInputException(folder.resolve(PARTITION_FILE).toString(), "", split.size() + " entries but " + ATTR_FILE + " lists " + names.size() + " images");
    }

    @Override
    public DatasetSpec spec() {
        return spec;
    }

    @Override
    public long count() {
        return names.size();
    }

    @Override
    public void read(ExampleSink sink) throws IOException {
        ImageIO.setUseCache(false);
        OrderedPipeline.run(threads, "celeba", new OrderedPipeline.TaskSource() {
            int next = 0;

            @Override
            public boolean hasNext() {
                return next < names.size();
            }

            @Override
            public Callable<List<Example>> next() {
                int from = next, to = Math.min(names.size(), next + BATCH);
                next = to;
                return () -> {
                    var out = new ArrayList<Example>(to - from);
                    for (int i = from; i < to; i++) out.add(new Example(i, decode(names.get(i)), null, attributes.get(i).clone()));
                    return out;
                };
            }
        }, sink);
    }

    private byte[] decode(String name) throws InvalidInputException {
        Path p = folder.resolve(IMAGE_DIR).resolve(name);
        BufferedImage img;
        try {
            img = ImageIO.read(p.toFile());
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException(p.toString(), "", "unreadable JPEG: " + e.getMessage(), e);
        }
        if (img == null) throw new InvalidInputException(p.toString(), "", "unreadable JPEG (no image decoder accepts it)");
        if (img.getWidth() != WIDTH || img.getHeight() != HEIGHT)
            throw new InvalidInputException(p.toString(), "", img.getWidth() + "x" + img.getHeight() + " pixels, expected the aligned " + WIDTH + "x" + HEIGHT);
        int[] argb = img.getRGB(0, 0, WIDTH, HEIGHT, null, 0, WIDTH);
        byte[] rgb = new byte[WIDTH * HEIGHT * 3];
        for (int i = 0; i < argb.length; i++) {
            rgb[3 * i] = (byte) (argb[i] >> 16);
            rgb[3 * i + 1] = (byte) (argb[i] >> 8);
            rgb[3 * i + 2] = (byte) argb[i];
        }
        return resize.apply(rgb);
    }

    @Override
    public String toString() {
        return "CelebA folder " + folder;
    }
}
