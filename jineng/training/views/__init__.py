"""Pages of training delivery, one module per concern.

- ``classes``: the console of classes (list, create, edit, dashboard, moves, enrolment,
  transfers) and the bureau's approvals and running classes;
- ``programmes``: an institution's programmes;
- ``venues``: an institution's venues (培训场地) and teachers (师资);
- ``worker``: the worker's 找培训, enrolment, withdrawal and 我的课程;
- ``common``: the steps they share (console users, 404 out of scope, refusals).
"""
