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

struct PicturePools;

/// One plane's buffer: a mapping of its own, zero-filled by the kernel, kept in its pool's idle
/// list between pictures.
typedef struct Mapping {
    struct PicturePools *pools;
    struct Mapping *next;
    uint8_t *data;
    size_t size;
    /// The pools' shape when it was mapped: a mapping of an older shape is unmapped when freed.
    unsigned shape;
    int plane;
} Mapping;

typedef struct PicturePools {
    /// Held while a picture is taken or given back: frame-threaded decoders ask from several
    /// threads, and frames are freed on any thread.
    pthread_mutex_t lock;
    /// One for the decoder while it is attached, one per mapping (idle or in a frame).
    int references;
    int attached;
    /// Counts changes of format or size.
    unsigned shape;
    int format, width, height;
    int linesize[4];
    /// Bytes of each plane's buffer; 0 for a plane the format does not have.
    size_t size[4];
    /// Mappings not in any frame, the most recently freed first.
    Mapping *idle[4];
    int idle_count[4];
    /// The fewest idle mappings of each plane since the last trim: that many were not needed.
    int fewest_idle[4];
    int taken_since_trim;
} PicturePools;

int64_t picture_memory_mapped_bytes(void) {
    return __atomic_load_n(&mapped_bytes, __ATOMIC_RELAXED);
}

static size_t page_rounded(size_t size) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return (size + page - 1) / page * page;
}

static Mapping *map_plane(PicturePools *pools, int plane) {
    Mapping *mapping = malloc(sizeof *mapping);
    if (!mapping) return NULL;
    size_t length = page_rounded(pools->size[plane]);
    void *data = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (data == MAP_FAILED) {
        free(mapping);
        return NULL;
    }
    __atomic_add_fetch(&mapped_bytes, (int64_t)length, __ATOMIC_RELAXED);
    *mapping = (Mapping){ .pools = pools, .data = data, .size = pools->size[plane], .shape = pools->shape, .plane = plane };
    pools->references++;
    return mapping;
}

/// Unmaps a list of mappings already counted out of their pools' references.
static void unmap_list(Mapping *mapping) {
    while (mapping) {
        Mapping *next = mapping->next;
        size_t length = page_rounded(mapping->size);
        munmap(mapping->data, length);
        __atomic_sub_fetch(&mapped_bytes, (int64_t)length, __ATOMIC_RELAXED);
        free(mapping);
        mapping = next;
    }
}

/// Moves `count` idle mappings of `plane` to `doomed`, out of the pools' references.
static void take_idle(PicturePools *pools, int plane, int count, Mapping **doomed) {
    for (; count > 0 && pools->idle[plane]; count--) {
        Mapping *mapping = pools->idle[plane];
        pools->idle[plane] = mapping->next;
        pools->idle_count[plane]--;
        mapping->next = *doomed;
        *doomed = mapping;
        pools->references--;
    }
}

static void destroy_pools(PicturePools *pools) {
    pthread_mutex_destroy(&pools->lock);
    av_free(pools);
}

/// A frame let go of a plane's buffer: back to the idle list, or unmapped when its pools have
/// changed shape or lost their decoder since.
static void give_back(void *opaque, uint8_t *data) {
    (void)data;
    Mapping *mapping = opaque;
    PicturePools *pools = mapping->pools;
    pthread_mutex_lock(&pools->lock);
    int keep = pools->attached && mapping->shape == pools->shape;
    if (keep) {
        mapping->next = pools->idle[mapping->plane];
        pools->idle[mapping->plane] = mapping;
        pools->idle_count[mapping->plane]++;
    } else {
        mapping->next = NULL;
        pools->references--;
    }
    int last = pools->references == 0;
    pthread_mutex_unlock(&pools->lock);
    if (!keep) unmap_list(mapping);
    if (last) destroy_pools(pools);
}

/// Every `trim_period` pictures, the idle mappings no picture needed in that time are unmapped,
/// so a burst of pictures held at once (a queue behind a slow encoder, a cached GOP decoded at a
/// cut) does not stay mapped for the decoder's whole life. About 3 s of 30 fps video.
enum { trim_period = 100 };

static void trim(PicturePools *pools, Mapping **doomed) {
    if (++pools->taken_since_trim < trim_period) return;
    for (int i = 0; i < 4; i++) {
        take_idle(pools, i, pools->fewest_idle[i], doomed);
        pools->fewest_idle[i] = pools->idle_count[i];
    }
    pools->taken_since_trim = 0;
}

/// Plane layout for pictures of `frame`'s format and size, as libavcodec's default allocator
/// lays them out: the decoder's aligned dimensions, line sizes that meet its stride alignment.
/// Idle mappings of the old shape go to `doomed`.
static int reshape(PicturePools *pools, AVCodecContext *context, const AVFrame *frame, Mapping **doomed) {
    for (int i = 0; i < 4; i++) {
        take_idle(pools, i, pools->idle_count[i], doomed);
        pools->fewest_idle[i] = 0;
        pools->size[i] = 0;
    }
    pools->shape++;
    pools->format = -1;
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
        if (sizes[i] > (size_t)INT32_MAX - plane_padding) return AVERROR(EINVAL);
    }
    for (int i = 0; i < 4; i++) {
        pools->linesize[i] = linesize[i];
        pools->size[i] = sizes[i] ? sizes[i] + plane_padding : 0;
    }
    pools->format = frame->format;
    pools->width = frame->width;
    pools->height = frame->height;
    return 0;
}

/// One plane of a picture: an idle mapping, or a new one.
static AVBufferRef *take_plane(PicturePools *pools, int plane) {
    Mapping *mapping = pools->idle[plane];
    if (mapping) {
        pools->idle[plane] = mapping->next;
        pools->idle_count[plane]--;
        if (pools->idle_count[plane] < pools->fewest_idle[plane]) pools->fewest_idle[plane] = pools->idle_count[plane];
    } else {
        mapping = map_plane(pools, plane);
        if (!mapping) return NULL;
    }
    AVBufferRef *buffer = av_buffer_create(mapping->data, mapping->size, give_back, mapping, 0);
    if (!buffer) {
        mapping->next = pools->idle[plane];
        pools->idle[plane] = mapping;
        pools->idle_count[plane]++;
    }
    return buffer;
}

static int mapped_get_buffer2(AVCodecContext *context, AVFrame *frame, int flags) {
    PicturePools *pools = context->opaque;
    const AVPixFmtDescriptor *descriptor = av_pix_fmt_desc_get(frame->format);
    // Palettes, hardware frames and decoders that do not allow it keep libavcodec's allocator.
    if (!pools || !descriptor || (descriptor->flags & (AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_HWACCEL))
        || !(context->codec->capabilities & AV_CODEC_CAP_DR1) || context->codec_type != AVMEDIA_TYPE_VIDEO) {
        return avcodec_default_get_buffer2(context, frame, flags);
    }
    Mapping *doomed = NULL;
    pthread_mutex_lock(&pools->lock);
    int result = 0;
    if (pools->format != frame->format || pools->width != frame->width || pools->height != frame->height) {
        result = reshape(pools, context, frame, &doomed);
    }
    for (int i = 0; result == 0 && i < 4 && pools->size[i]; i++) {
        frame->buf[i] = take_plane(pools, i);
        if (!frame->buf[i]) {
            result = AVERROR(ENOMEM);
            break;
        }
        frame->data[i] = frame->buf[i]->data;
        frame->linesize[i] = pools->linesize[i];
    }
    if (result == 0) trim(pools, &doomed);
    pthread_mutex_unlock(&pools->lock);
    unmap_list(doomed);
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
    pools->references = 1;
    pools->attached = 1;
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
    Mapping *doomed = NULL;
    pthread_mutex_lock(&pools->lock);
    pools->attached = 0;
    for (int i = 0; i < 4; i++) take_idle(pools, i, pools->idle_count[i], &doomed);
    int last = --pools->references == 0;
    pthread_mutex_unlock(&pools->lock);
    unmap_list(doomed);
    if (last) destroy_pools(pools);
}
