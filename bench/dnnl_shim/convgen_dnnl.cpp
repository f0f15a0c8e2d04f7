// A tiny C shim over oneDNN (2.x C++ API) for ConvGen's benchmarks: one convolution forward primitive
// (inference, format "any" for src/weights/dst), weights reordered once, NCHW in/out with the reorders timed
// (run_nchw) or the primitive alone on its own buffers (run_native). Called through P/Invoke.
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>
#include <cstring>
#include <exception>
#include <string>
#include <unordered_map>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {
thread_local std::string last_error;

struct Conv {
    engine eng{engine::kind::cpu, 0};
    stream strm{eng};
    int threads = 1;
    convolution_forward prim;
    convolution_forward::primitive_desc pd;
    memory usr_src, usr_dst;     // NCHW, handles set per call
    memory src, wei, bias, dst;  // the primitive's chosen layouts
    bool src_is_nchw = false, dst_is_nchw = false;
    reorder to_src, from_dst;
    std::string info;
};

void run_conv(Conv &c, memory &s, memory &d) {
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, s}, {DNNL_ARG_WEIGHTS, c.wei}, {DNNL_ARG_DST, d}};
    if (c.bias) args.insert({DNNL_ARG_BIAS, c.bias});
    c.prim.execute(c.strm, args);
}
}  // namespace

extern "C" {

const char *convgen_dnnl_last_error() { return last_error.c_str(); }

// "2.6.3 (N/A)": the version of the libdnnl loaded.
const char *convgen_dnnl_version() {
    static std::string text;
    const dnnl_version_t *v = dnnl_version();
    text = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
    return text.c_str();
}

// activation: 0 none, 1 relu, 2 relu6. bias may be null. Returns null on failure (see last_error).
void *convgen_dnnl_create(int cin, int cout, int k, int groups, int stride, int pad, int dilation,
                          const float *weights, const float *bias_data, int activation,
                          int n, int h, int w, int threads) {
    try {
        omp_set_num_threads(threads);
        auto c = new Conv();
        c->threads = threads;
        int oh = (h + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
        int ow = (w + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
        memory::dims src_dims{n, cin, h, w}, dst_dims{n, cout, oh, ow};
        memory::dims wei_dims = groups > 1 ? memory::dims{groups, cout / groups, cin / groups, k, k}
                                           : memory::dims{cout, cin, k, k};
        tag wei_tag = groups > 1 ? tag::goihw : tag::oihw;
        memory::desc src_any(src_dims, dt::f32, tag::any), wei_any(wei_dims, dt::f32, tag::any),
            dst_any(dst_dims, dt::f32, tag::any), bias_md({cout}, dt::f32, tag::x);
        memory::dims strides{stride, stride}, dil{dilation - 1, dilation - 1}, pads{pad, pad};
        auto d = bias_data
            ? convolution_forward::desc(prop_kind::forward_inference, algorithm::convolution_direct,
                                        src_any, wei_any, bias_md, dst_any, strides, dil, pads, pads)
            : convolution_forward::desc(prop_kind::forward_inference, algorithm::convolution_direct,
                                        src_any, wei_any, dst_any, strides, dil, pads, pads);
        primitive_attr attr;
        if (activation != 0) {
            post_ops po;
            if (activation == 1) po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
            else po.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 6.f);
            attr.set_post_ops(po);
        }
        c->pd = convolution_forward::primitive_desc(d, attr, c->eng);
        c->prim = convolution_forward(c->pd);

        memory::desc src_nchw(src_dims, dt::f32, tag::nchw), dst_nchw(dst_dims, dt::f32, tag::nchw);
        c->usr_src = memory(src_nchw, c->eng, DNNL_MEMORY_NONE);
        c->usr_dst = memory(dst_nchw, c->eng, DNNL_MEMORY_NONE);
        c->src = memory(c->pd.src_desc(), c->eng);
        c->dst = memory(c->pd.dst_desc(), c->eng);
        c->src_is_nchw = c->pd.src_desc() == src_nchw;
        c->dst_is_nchw = c->pd.dst_desc() == dst_nchw;
        std::memset(c->src.get_data_handle(), 0, c->pd.src_desc().get_size());
        if (!c->src_is_nchw) c->to_src = reorder(c->usr_src, c->src);
        if (!c->dst_is_nchw) c->from_dst = reorder(c->dst, c->usr_dst);

        memory usr_wei({wei_dims, dt::f32, wei_tag}, c->eng, const_cast<float *>(weights));
        c->wei = memory(c->pd.weights_desc(), c->eng);
        reorder(usr_wei, c->wei).execute(c->strm, usr_wei, c->wei);
        if (bias_data) {
            c->bias = memory(bias_md, c->eng);
            std::memcpy(c->bias.get_data_handle(), bias_data, sizeof(float) * cout);
        }
        c->strm.wait();
        c->info = std::string(c->pd.impl_info_str()) + (c->src_is_nchw ? ", src nchw" : ", src blocked") +
                  (c->dst_is_nchw ? ", dst nchw" : ", dst blocked");
        return c;
    } catch (const std::exception &e) {
        last_error = e.what();
        return nullptr;
    }
}

const char *convgen_dnnl_info(void *handle) { return static_cast<Conv *>(handle)->info.c_str(); }

// NCHW in, NCHW out; the layout reorders are part of the call.
int convgen_dnnl_run_nchw(void *handle, const float *in, float *out) {
    try {
        auto &c = *static_cast<Conv *>(handle);
        omp_set_num_threads(c.threads);
        c.usr_src.set_data_handle(const_cast<float *>(in));
        c.usr_dst.set_data_handle(out);
        memory &s = c.src_is_nchw ? c.usr_src : c.src;
        memory &d = c.dst_is_nchw ? c.usr_dst : c.dst;
        if (!c.src_is_nchw) c.to_src.execute(c.strm, c.usr_src, c.src);
        run_conv(c, s, d);
        if (!c.dst_is_nchw) c.from_dst.execute(c.strm, c.dst, c.usr_dst);
        c.strm.wait();
        return 0;
    } catch (const std::exception &e) {
        last_error = e.what();
        return -1;
    }
}

// Copies an NCHW input into the primitive's own src buffer (not timed).
int convgen_dnnl_set_input(void *handle, const float *in) {
    try {
        auto &c = *static_cast<Conv *>(handle);
        c.usr_src.set_data_handle(const_cast<float *>(in));
        reorder(c.usr_src, c.src).execute(c.strm, c.usr_src, c.src);
        c.strm.wait();
        return 0;
    } catch (const std::exception &e) {
        last_error = e.what();
        return -1;
    }
}

// The primitive alone, on its own buffers in its own layouts: the ceiling.
int convgen_dnnl_run_native(void *handle) {
    try {
        auto &c = *static_cast<Conv *>(handle);
        omp_set_num_threads(c.threads);
        run_conv(c, c.src, c.dst);
        c.strm.wait();
        return 0;
    } catch (const std::exception &e) {
        last_error = e.what();
        return -1;
    }
}

// Copies the primitive's own dst buffer out as NCHW (not timed).
int convgen_dnnl_get_output(void *handle, float *out) {
    try {
        auto &c = *static_cast<Conv *>(handle);
        c.usr_dst.set_data_handle(out);
        reorder(c.dst, c.usr_dst).execute(c.strm, c.dst, c.usr_dst);
        c.strm.wait();
        return 0;
    } catch (const std::exception &e) {
        last_error = e.what();
        return -1;
    }
}

void convgen_dnnl_destroy(void *handle) { delete static_cast<Conv *>(handle); }

}  // extern "C"
