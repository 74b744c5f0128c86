package org.srinode.enhance;

/** Where the model runs ({@code SRI_ENHANCE_DEVICE}: auto, cpu or gpu). */
public enum InferenceDevice {
    /** The GPU when the PyTorch engine sees one, else the CPU. */
    AUTO,
    /** The CPU, even when a GPU is present. */
    CPU,
    /** The first GPU; loading fails when the engine sees none. */
    GPU
}
