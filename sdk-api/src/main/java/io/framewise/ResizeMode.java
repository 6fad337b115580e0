package io.framewise;

/**
 * How frames are brought to the model's input size.
 *
 * <p>Both modes resize bilinearly with pixel-centre alignment and give the same letterbox geometry
 * (see {@code docs/models.md}); they differ in who shrinks a frame that is larger than the model's
 * input, and so in some pixel values, and so in some scores. Frames the model enlarges (a video
 * smaller than the input) are resized as OpenCV does in both modes.
 *
 * @since 0.1
 */
public enum ResizeMode {

  /**
   * The default: every frame is decoded at its full size and resized like OpenCV's {@code
   * cv2.resize(..., INTER_LINEAR)}, to the bit of OpenCV's reference arithmetic, which is how the
   * common detectors were trained and how their Python pipelines run them. Costs about 1.1 core-ms per
   * 768x432 frame into a 416x416 model, besides the full-size colour conversion.
   */
  OPENCV,

  /**
   * A frame larger than the model's input is shrunk by the decoder, in the pass that converts it from
   * YUV (FFmpeg's fast bilinear scaler): about 0.8 core-ms less per 768x432 frame into a 416x416 model
   * than {@link #OPENCV}, more on larger frames. The input pixels are not OpenCV's, so detections near
   * the confidence threshold come and go: against an OpenCV pipeline, about 1-2 % of the boxes differ
   * (see {@code docs/models.md}). Frame ids and the JSON layout are the same.
   */
  FAST
}
