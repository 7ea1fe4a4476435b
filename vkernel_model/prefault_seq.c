/* vkernel_model/prefault_seq.c - policy seq: sequential detection.  A fault that lands on the
 * first page past the previous fault's window (in the run's direction) is sequential and
 * doubles the window (1, 2, 4 ... 64 pages); any other fault is a miss: the window drops to 1
 * and the direction follows the fault (backwards when it is below the previous one). */
#include "vk_internal.h"

struct seq_state {
    bool valid;
    uint64_t last;   /* previous fault */
    unsigned win;    /* its window */
    int dir;         /* +1 or -1 */
};

#define SEQ_MAX 64u

static void seq_run(struct vk_prefault *pf)
{
    struct seq_state *s = pf->state;
    uint64_t v = pf->vpn;
    bool seq = false;
    if (s->valid) {
        uint64_t step = (uint64_t)s->win + 1;
        seq = s->dir > 0 ? v == s->last + step : (s->last >= step && v == s->last - step);
    }
    if (seq) {
        s->win = s->win * 2 > SEQ_MAX ? SEQ_MAX : s->win * 2;
    } else {
        s->win = 1;
        s->dir = (s->valid && v < s->last) ? -1 : 1;
    }
    s->valid = true;
    s->last = v;
    for (unsigned k = 1; k <= s->win; k++)
        if (vk_prefault_try(pf, s->dir * (int64_t)k, VK_ENTER_ZERO_FILL) == VK_CANDIDATE_ERROR)
            return;
}

const struct vk_policy vk_policy_seq = {
    .name = "seq",
    .usage = "seq",
    .desc = "sequential detection: window 1,2,4..64 pages in the run's direction, 1 on a miss",
    .run = seq_run,
    .state_size = sizeof(struct seq_state),
};
