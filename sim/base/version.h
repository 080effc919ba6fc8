/* version: the tool's version and provenance strings, fixed at build time. */
#ifndef CAPSIM_VERSION_H
#define CAPSIM_VERSION_H

#define CAPSIM_VERSION "0.1.0"
#ifndef CAPSIM_GIT_REV
#define CAPSIM_GIT_REV "unknown"
#endif
#ifndef CAPSIM_CFLAGS
#define CAPSIM_CFLAGS "unknown"
#endif

#endif
