package org.srinode.evaluate;

import org.srinode.volume.Volume;

/**
 * One HQ volume to evaluate on.
 *
 * @param name     case name (file or folder name)
 * @param contrast PD, T1, T2, ... or "unknown"
 * @param hq       the volume as read (any intensity range)
 */
public record EvalCase(String name, String contrast, Volume hq) {}
