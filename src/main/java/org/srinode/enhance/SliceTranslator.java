package org.srinode.enhance;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;

/** Only moves arrays in and out: every NDArray lives in the predictor context's manager and is freed with it. */
final class SliceTranslator implements NoBatchifyTranslator<TileBatch, float[]> {
    @Override
    public NDList processInput(TranslatorContext ctx, TileBatch b) {
        NDManager m = ctx.getNDManager();
        Shape shape = new Shape(b.n(), 1, b.height(), b.width());
        NDArray lq = m.create(b.lq(), shape);
        NDArray mask = m.create(b.mask(), shape);
        return new NDList(lq, mask);
    }

    @Override
    public float[] processOutput(TranslatorContext ctx, NDList list) {
        return list.singletonOrThrow().toFloatArray();
    }
}
