#ifndef CFFMPEG_SHIM_H
#define CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libswscale/swscale.h>
#include <libswresample/swresample.h>
#include <libavutil/avutil.h>
#include <libavutil/opt.h>
#include <libavutil/imgutils.h>
#include <libavutil/error.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/md5.h>

// AVERROR and AVERROR_EOF are macros Swift cannot import.
static inline int cffmpeg_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int cffmpeg_averror_eof(void) { return AVERROR_EOF; }
// AVERROR(e) for any errno value: a function-like macro.
static inline int cffmpeg_averror(int errnum) { return AVERROR(errnum); }
// AV_NOPTS_VALUE is a macro with a cast Swift does not import.
static inline int64_t cffmpeg_nopts_value(void) { return AV_NOPTS_VALUE; }
#endif
