package org.factorlab.spark;

import org.factorlab.train.TrainingState;

/** What the driver broadcasts each round: the round number and the averaged state every worker starts from. */
record RoundInput(int round, TrainingState state) {
}
