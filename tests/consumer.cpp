/* SPDX-License-Identifier: MIT */
// The public headers compile as C++ and link from C++.
#include <shmap.h>

#include <cstdio>

int main()
{
	shmap_map *m = nullptr;
	int rc = shmap_map_create(nullptr, 4096, SHMAP_PROT_READWRITE, nullptr, &m);
	if (rc) {
		std::printf("create: %s\n", shmap_strerror(rc));
		return 1;
	}
	shmap_guard g;
	SHMAP_GUARDED(&g)
	{
		void *v = nullptr;
		rc = shmap_view_map(m, 0, 0, SHMAP_ACCESS_WRITE, &v);
		if (rc == 0)
			shmap_view_unmap(v);
	}
	int grc = shmap_guard_end(&g);
	shmap_map_close(m);
	// The sync API, including an object in caller memory, from C++.
	static shmap_sync_mem mem;
	shmap_sync *e = nullptr;
	if (rc == 0)
		rc = shmap_event_init(&mem, SHMAP_EVENT_SET);
	if (rc == 0)
		rc = shmap_sync_attach(&mem, &e);
	if (rc == 0)
		rc = shmap_wait(e, 0);
	shmap_sync_close(e);
	std::printf("c++ consumer: %s\n", rc == 0 && grc == 0 ? "ok" : "failed");
	return rc || grc;
}
