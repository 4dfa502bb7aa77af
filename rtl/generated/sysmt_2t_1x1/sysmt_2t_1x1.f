sysmt_2t_1x1_pe.v
sysmt_2t_1x1_drain_col.v
sysmt_2t_1x1.v
