"""jineng (技能): a city's lifelong vocational skills training system."""
