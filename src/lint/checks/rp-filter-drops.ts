// rp-filter-drops: strict rp_filter on an interface the policy routes out of, where the reverse lookup of a packet
// arriving there takes another interface, so the kernel drops it as a martian source. One concrete source per interface.
import { formatIp, formatPrefix } from '../../addr/index-free-format.ts';
