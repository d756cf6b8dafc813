#include "picture_memory.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <libavutil/buffer.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>

/// The largest SIMD stride libavcodec builds for (AVX-512), and the padding it adds after a
/// plane for reads past its end (as libavcodec's own pools do).
enum { stride_align = 64, plane_padding = 16 + stride_align - 1 };

static int64_t mapped_bytes;

typedef struct {
    /// Held while a picture is taken: frame-threaded decoders ask from several threads.
    pthread_mutex_t lock;
    int format, width, height;
    int linesize[4];
    AVBufferPool *pools[4];
} PicturePools;

int64_t picture_memory_mapped_bytes(void) {
    return __atomic_load_n(&mapped_bytes, __ATOMIC_RELAXED);
}

static size_t page_rounded(size_t size) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return (size + page - 1) / page * page;
}

static void unmap_buffer(void *opaque, uint8_t *data) {
    size_t length = page_rounded((size_t)(uintptr_t)opaque);
    munmap(data, length);
    __atomic_sub_fetch(&mapped_bytes, (int64_t)length, __ATOMIC_RELAXED);
}

/// One buffer of a pool: a mapping of its own, zero-filled by the kernel.
static AVBufferRef *map_buffer(void *opaque, size_t size) {
    (void)opaque;
    size_t length = page_rounded(size);
    void *data = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (data == MAP_FAILED) return NULL;
    AVBufferRef *buffer = av_buffer_create(data, size, unmap_buffer, (void *)(uintptr_t)size, 0);
    if (!buffer) {
        munmap(data, length);
        return NULL;
    }
    __atomic_add_fetch(&mapped_bytes, (int64_t)length, __ATOMIC_RELAXED);
    return buffer;
}

static void drop_pools(PicturePools *pools) {
    for (int i = 0; i < 4; i++) av_buffer_pool_uninit(&pools->pools[i]);
    pools->format = -1;
}

/// Plane layout for pictures of `frame`'s format and size, as libavcodec's default allocator
/// lays them out: the decoder's aligned dimensions, line sizes that meet its stride alignment.
static int make_pools(PicturePools *pools, AVCodecContext *context, const AVFrame *frame) {
    drop_pools(pools);
    int width = frame->width, height = frame->height;
    int alignment[AV_NUM_DATA_POINTERS];
    avcodec_align_dimensions2(context, &width, &height, alignment);
    int linesize[4];
    int unaligned;
    do {
        int result = av_image_fill_linesizes(linesize, frame->format, width);
        if (result < 0) return result;
        width += width & ~(width - 1);  // the next try doubles the lowest set bit of the width
        unaligned = 0;
        for (int i = 0; i < 4; i++) unaligned |= linesize[i] % alignment[i];
    } while (unaligned);
    ptrdiff_t linesizes[4];
    for (int i = 0; i < 4; i++) linesizes[i] = linesize[i];
    size_t sizes[4];
    int result = av_image_fill_plane_sizes(sizes, frame->format, height, linesizes);
    if (result < 0) return result;
    for (int i = 0; i < 4; i++) {
        pools->linesize[i] = linesize[i];
        if (sizes[i] == 0) continue;
        if (sizes[i] > (size_t)INT32_MAX - plane_padding) return AVERROR(EINVAL);
        pools->pools[i] = av_buffer_pool_init2(sizes[i] + plane_padding, NULL, map_buffer, NULL);
        if (!pools->pools[i]) {
            drop_pools(pools);
            return AVERROR(ENOMEM);
        }
    }
    pools->format = frame->format;
    pools->width = frame->width;
    pools->height = frame->height;
    return 0;
}

static int mapped_get_buffer2(AVCodecContext *context, AVFrame *frame, int flags) {
    PicturePools *pools = context->opaque;
    const AVPixFmtDescriptor *descriptor = av_pix_fmt_desc_get(frame->format);
    // Palettes, hardware frames and decoders that do not allow it keep libavcodec's allocator.
    if (!pools || !descriptor || (descriptor->flags & (AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_HWACCEL))
        || !(context->codec->capabilities & AV_CODEC_CAP_DR1) || context->codec_type != AVMEDIA_TYPE_VIDEO) {
        return avcodec_default_get_buffer2(context, frame, flags);
    }
    pthread_mutex_lock(&pools->lock);
    int result = 0;
    if (pools->format != frame->format || pools->width != frame->width || pools->height != frame->height) {
        result = make_pools(pools, context, frame);
    }
    for (int i = 0; result == 0 && i < 4 && pools->pools[i]; i++) {
        frame->buf[i] = av_buffer_pool_get(pools->pools[i]);
        if (!frame->buf[i]) {
            result = AVERROR(ENOMEM);
            break;
        }
        frame->data[i] = frame->buf[i]->data;
        frame->linesize[i] = pools->linesize[i];
    }
    pthread_mutex_unlock(&pools->lock);
    if (result < 0) {
        av_frame_unref(frame);
        return result;
    }
    frame->extended_data = frame->data;
    return 0;
}

int picture_memory_attach(AVCodecContext *context) {
    PicturePools *pools = av_mallocz(sizeof *pools);
    if (!pools) return AVERROR(ENOMEM);
    pools->format = -1;
    pthread_mutex_init(&pools->lock, NULL);
    context->opaque = pools;
    context->get_buffer2 = mapped_get_buffer2;
    // libavcodec 59 asks a custom allocator to say it may be called from several threads
    // (a field deprecated since, where every allocator must be).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#if LIBAVCODEC_VERSION_MAJOR < 60
    context->thread_safe_callbacks = 1;
#endif
#pragma GCC diagnostic pop
    return 0;
}

void picture_memory_release(void *opaque) {
    if (!opaque) return;
    PicturePools *pools = opaque;
    drop_pools(pools);
    pthread_mutex_destroy(&pools->lock);
    av_free(pools);
}
