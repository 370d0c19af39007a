package org.factorlab.shards;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.factorlab.data.Batch;
import org.factorlab.data.BatchSource;
import org.factorlab.data.DatasetSpec;
import org.factorlab.ingest.Example;

/** The endless, per-epoch reshuffled minibatch stream of {@link ShardDataset#batches}. */
final class ShardBatchSource implements BatchSource {
    private final ShardDataset dataset;
    private final ShardDataset.Selection selection;
    private final int batchSize;
    private final long seed;
    private final ExecutorService loader;
    private long epoch = -1;
    private List<ShardDataset.Range> plan = List.of();
    private int nextRange;
    private CompletableFuture<Example[]> pending;
    private Example[] rows = new Example[0];
    private int next;
    private SplittableRandom rng;
    private long[] lastIndices = new long[0];

    ShardBatchSource(ShardDataset dataset, ShardDataset.Selection selection, int batchSize, long seed) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (selection.rows() == 0) throw new IllegalArgumentException("empty selection of " + dataset.uri());
        this.dataset = dataset;
        this.selection = selection;
        this.batchSize = batchSize;
        this.seed = seed;
        this.loader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "shard-prefetch");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public DatasetSpec spec() {
        return dataset.spec();
    }

    /** Epochs started so far minus one (0 during the first epoch). */
    long epoch() {
        return epoch;
    }

    /** Canonical indices of the images in the last batch returned. */
    long[] lastIndices() {
        return lastIndices.clone();
    }

    @Override
    public Batch next() {
        List<Example> out = new ArrayList<>(batchSize);
        while (out.size() < batchSize) {
            if (next >= rows.length) advance();
            else out.add(rows[next++]);
        }
        lastIndices = out.stream().mapToLong(Example::index).toArray();
        return Batches.toBatch(dataset.spec(), out);
    }

    /** Moves to the next run (starting a new epoch when the plan is used up), shuffling its rows. */
    private void advance() {
        if (nextRange >= plan.size()) {
            epoch++;
            rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (epoch + 1)));
            plan = ShardDataset.shuffledRanges(selection, rng);
            nextRange = 0;
        }
        if (pending == null) pending = load(plan.get(nextRange));
        try {
            rows = pending.join();
        } catch (java.util.concurrent.CompletionException e) {
            pending = null;
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw e;
        }
        nextRange++;
        // prefetch the next run of this epoch (the next epoch's plan is drawn only when this one ends)
        pending = nextRange < plan.size() ? load(plan.get(nextRange)) : null;
        for (int i = rows.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            Example t = rows[i];
            rows[i] = rows[j];
            rows[j] = t;
        }
        next = 0;
    }

    private CompletableFuture<Example[]> load(ShardDataset.Range r) {
        return CompletableFuture.supplyAsync(() -> {
            Example[] a = dataset.readRange(r, true);
            return a == null ? new Example[0] : a.clone();
        }, loader);
    }

    @Override
    public void close() {
        loader.shutdownNow();
    }
}
