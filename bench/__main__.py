"""`make bench`: every benchmark in turn."""

from bench import month_end

month_end.main([])
