/* SPDX-License-Identifier: GPL-2.0 */
/* Whether this kernel lets XDP programs write metadata (struct vtap_xdp_meta,
 * the direction for vtap.ko). Some kernels refuse bpf_xdp_adjust_meta to
 * every XDP program, and then a program that calls it does not load: it is
 * loaded with no_direction set, so that the verifier never sees the call.
 * libbpf_probe_bpf_helper() can't tell: it assumes support when the
 * verifier says "program of this type cannot use helper". Shared by
 * vtapctl and the tests that load the program. */
#ifndef VTAP_XDP_META_H
#define VTAP_XDP_META_H

#include <stdbool.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

static inline bool vtap_xdp_meta_supported(void)
{
	const struct bpf_insn insns[] = {
		/* bpf_xdp_adjust_meta(ctx, 0); return XDP_PASS; */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = 0 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_xdp_adjust_meta },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "vtap_meta_probe", "GPL", insns,
			       sizeof(insns) / sizeof(insns[0]), NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

#endif
