package org.factorlab.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The metrics of the suite, with the ids used on the command line and in reports. */
public enum MetricKind {
    FACTOR_VAE("factorvae", List.of("factorvae")),
    DCI("dci", List.of("dci.disentanglement", "dci.completeness", "dci.informativeness")),
    MIG("mig", List.of("mig")),
    SAP("sap", List.of("sap")),
    MODULARITY("modularity", List.of("modularity")),
    EXPLICITNESS("explicitness", List.of("explicitness")),
    MCC("mcc", List.of("mcc"));

    private final String id;
    private final List<String> headline;

    MetricKind(String id, List<String> headline) {
        this.id = id;
        this.headline = headline;
    }

    public String id() {
        return id;
    }

    /** The value names shown in report tables (a result may hold more, e.g. train accuracies). */
    public List<String> headline() {
        return headline;
    }

    public static MetricKind fromId(String id) {
        String s = id.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        for (MetricKind m : values()) if (m.id.equals(s)) return m;
        if (s.equals("discretemig")) return MIG; // the iVAE paper's name for the same estimator
        throw new IllegalArgumentException("unknown metric '" + id + "'; known: all, "
                + String.join(", ", Arrays.stream(values()).map(MetricKind::id).toList()));
    }

    /** Parses "all" or a comma-separated list of ids, in the enum's order, without duplicates. */
    public static List<MetricKind> parseList(String spec) {
        if (spec == null || spec.isBlank() || spec.trim().equalsIgnoreCase("all")) return List.of(values());
        var chosen = Arrays.stream(spec.split(",")).filter(s -> !s.isBlank()).map(MetricKind::fromId).distinct().toList();
        if (chosen.isEmpty()) throw new IllegalArgumentException("no metric named in '" + spec + "'");
        return Arrays.stream(values()).filter(chosen::contains).toList();
    }

    Metric impl() {
        return switch (this) {
            case FACTOR_VAE -> FactorVaeScore.INSTANCE;
            case DCI -> Dci.INSTANCE;
            case MIG -> Mig.INSTANCE;
            case SAP -> Sap.INSTANCE;
            case MODULARITY -> Modularity.INSTANCE;
            case EXPLICITNESS -> Explicitness.INSTANCE;
            case MCC -> SpearmanMcc.INSTANCE;
        };
    }
}
