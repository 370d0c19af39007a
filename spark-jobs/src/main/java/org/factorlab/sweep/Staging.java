package org.factorlab.sweep;

/**
 * Where a point trains: {@code DIRECT} in its run directory (needs a local file system), {@code STAGED} in a local
 * directory whose checkpoints are mirrored to the run directory through Hadoop, {@code AUTO} direct on the local file
 * system and staged everywhere else (HDFS, S3, ...).
 */
public enum Staging { AUTO, DIRECT, STAGED }
