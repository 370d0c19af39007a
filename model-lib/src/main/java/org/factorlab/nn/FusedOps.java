package org.factorlab.nn;

import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.imports.converters.ImportClassMapping;

/**
 * Registration of this package's fused ops ({@link FusedGroupNorm}, {@link FusedSilu}) with SameDiff. SameDiff copies
 * every op through its FlatBuffers form when it builds the gradient function, and finds the class of a custom op that
 * libnd4j does not know by name in {@link ImportClassMapping}'s map; each op class registers itself once, when it is
 * first used, before any graph holds one of its ops.
 */
final class FusedOps {
    private FusedOps() {
    }

    static synchronized void register(String opName, DifferentialFunction prototype) {
        ImportClassMapping.getOpNameMapping().putIfAbsent(opName, prototype);
    }
}
