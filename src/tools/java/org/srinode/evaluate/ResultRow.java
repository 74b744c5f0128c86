package org.srinode.evaluate;

/**
 * One measured number set.
 *
 * @param caseName case
 * @param contrast contrast of the case
 * @param protocol SR-B, SR-N-B or SRI
 * @param scale    upsampling factor
 * @param method   bicubic, model, SR+I or I+SR
 * @param region   foreground (the head) or hole (the missing region, SRI only)
 * @param psnr     mean over slices, dB
 * @param ssim     mean over slices
 * @param slices   slices measured
 */
public record ResultRow(
        String caseName,
        String contrast,
        String protocol,
        int scale,
        String method,
        String region,
        double psnr,
        double ssim,
        int slices) {}
