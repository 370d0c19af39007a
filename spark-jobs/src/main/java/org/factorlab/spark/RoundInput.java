package org.factorlab.spark;

import org.factorlab.train.TrainingState;

/**
 * What the driver publishes each round through the {@link StateExchange}: the round number and the averaged state
 * every worker starts from, packed into flat buffers ({@link FlatArrays}) so that a transfer is one bulk copy.
 */
final class RoundInput {
    private final int round;
    private final long step;
    private final FlatArrays parameters;
    private final FlatArrays updater;

    RoundInput(int round, TrainingState state) {
        this(round, state.step(), FlatArrays.pack(state.parameters()), FlatArrays.pack(state.updaterState()));
    }

    RoundInput(int round, long step, FlatArrays parameters, FlatArrays updater) {
        this.round = round;
        this.step = step;
        this.parameters = parameters;
        this.updater = updater;
    }

    int round() {
        return round;
    }

    long step() {
        return step;
    }

    FlatArrays parameters() {
        return parameters;
    }

    FlatArrays updater() {
        return updater;
    }

    /** The state as fresh arrays (each call unpacks anew). */
    TrainingState state() {
        return new TrainingState(step, parameters.unpack(), updater.unpack());
    }
}
