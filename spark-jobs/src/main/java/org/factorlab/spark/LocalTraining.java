package org.factorlab.spark;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.data.BatchSource;
import org.factorlab.model.Families;
import org.factorlab.model.ModelFamily;
import org.factorlab.model.Parents;
import org.factorlab.train.TrainSettings;
import org.factorlab.train.Trainer;
import org.factorlab.train.TrainingSession;

/**
 * Single-machine training of one effective config with model-lib's {@link Trainer}: the family's session over the
 * data's seeded minibatch stream, checkpoints and loss.csv in a local run directory, resumed from its newest checkpoint.
 * {@code factorlab train} (without --spark) and each point of a sweep train through here.
 */
public final class LocalTraining {
    private LocalTraining() {
    }

    /** What to train and how long; {@code maxWallSeconds} 0 is no limit. */
    public record Plan(String model, String effectiveConfig, Path runDir, long steps, int logEvery, int checkpointEvery,
                       int keepCheckpoints, double maxWallSeconds) {
    }

    /**
     * Trains {@code plan} on {@code data}; {@code wrap} may decorate the session (checks, test hooks), identity otherwise.
     */
    public static Trainer.Result train(Plan plan, WorkerData data, Configuration conf, PrintStream log, UnaryOperator<TrainingSession> wrap) {
        ModelFamily family = Families.get(plan.model());
        TrainSettings t = family.trainSettings(plan.effectiveConfig());
        Parents parents = Parents.load(family.parents(plan.effectiveConfig()), ParentBytes.reader(conf));
        family.checkData(plan.effectiveConfig(), data.spec(), parents, data.name());
        Trainer.Options opts = new Trainer.Options(plan.model(), plan.effectiveConfig(), t.seed(), plan.steps(), plan.logEvery(),
                plan.checkpointEvery(), plan.keepCheckpoints(), t.emaDecay(), t.emaWarmup(), plan.runDir(), data.manifestSha256(),
                plan.maxWallSeconds(), parents.lineage());
        try (TrainingSession session = wrap.apply(family.open(plan.effectiveConfig(), t.seed(), parents));
             BatchSource batches = data.open(0, 1, t.batchSize(), t.seed())) {
            return new Trainer(opts, log).run(session, batches);
        }
    }
}
